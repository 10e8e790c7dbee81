#!/usr/bin/env python3
"""The web pages as a person uses them, in a real browser: headless Chromium (Debian's
chromium and chromium-driver) driven by Selenium. Not part of `cargo test` (it needs the
browser); run it from the repository root after `cargo build --release`:

    apt-get install chromium chromium-driver && pip install selenium
    python3 tests/browser/run.py

It copies the bundled pipelines and sample data into a temporary folder (the repository is
not touched), issues a district account and a township account, starts `laborstat serve`
on a free loopback port, and then:
  - the township (锦华街道) signs in, sends its corrected ledger by the file field, reads its
    receipt (the file as read, its figures, its findings) and downloads its feedback workbook;
  - the district signs in, sees every township x ledger, runs the report and downloads it.
Screenshots of both pages go to docs/screenshots/ (README shows them). Exit 0 when every
step saw what it should.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.getcwd()
BINARY = os.environ.get("LABORSTAT", os.path.join(ROOT, "target", "release", "laborstat"))
SHOTS = os.path.join(ROOT, "docs", "screenshots")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def add_user(pipeline, password, *args):
    subprocess.run([BINARY, "users", "add", pipeline, *args], input=password + "\n",
                   text=True, check=True, capture_output=True)


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        sys.exit(1)


def main():
    if not os.path.exists(BINARY):
        sys.exit(f"{BINARY} is missing: cargo build --release first (or set LABORSTAT)")
    work = tempfile.mkdtemp(prefix="laborstat-browser-")
    shutil.copytree(os.path.join(ROOT, "pipelines"), os.path.join(work, "pipelines"))
    shutil.copytree(os.path.join(ROOT, "sample-data"), os.path.join(work, "sample-data"),
                    ignore=shutil.ignore_patterns("city"))
    pipeline = os.path.join(work, "pipelines", "annual.toml")
    add_user(pipeline, "district-secret-1", "--account", "qu", "--district")
    add_user(pipeline, "jinhua-secret-1", "--account", "jinhua", "--township", "510199001")
    port = free_port()
    server = subprocess.Popen([BINARY, "serve", pipeline, "--listen", f"127.0.0.1:{port}"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    base = f"http://127.0.0.1:{port}"
    downloads = os.path.join(work, "downloads")
    os.makedirs(downloads)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000",
                 "--lang=zh-CN"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": downloads,
                                              "download.prompt_for_download": False})
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        server.stdout.readline()  # listening
        wait = WebDriverWait(browser, 60)

        def sign_in(account, password):
            browser.delete_all_cookies()
            browser.get(base + "/login")
            browser.find_element(By.NAME, "account").send_keys(account)
            browser.find_element(By.NAME, "password").send_keys(password)
            browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

        def wait_for_download(suffix):
            deadline = time.time() + 60
            while time.time() < deadline:
                done = [f for f in os.listdir(downloads) if f.endswith(suffix)]
                if done:
                    return os.path.join(downloads, done[0])
                time.sleep(0.2)
            return None

        def full_page_shot(name):
            # The whole page, however long: the viewport made as tall as the document.
            height = browser.execute_script("return document.documentElement.scrollHeight")
            browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": 1400, "height": min(height, 8000), "deviceScaleFactor": 1, "mobile": False})
            browser.save_screenshot(os.path.join(SHOTS, name))
            browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

        # The township: its page, its upload, its receipt.
        sign_in("jinhua", "jinhua-secret-1")
        wait.until(lambda b: "报送台账" in b.page_source)
        check("锦华街道" in browser.page_source, "township page names the township")
        Select(browser.find_element(By.NAME, "source")).select_by_value("cases")
        ledger = os.path.join(work, "sample-data", "2024", "510199001-锦华街道", "投诉举报案件台账.xlsx")
        browser.find_element(By.NAME, "file").send_keys(ledger)
        browser.find_element(By.CSS_SELECTOR, "form[action='/township/upload'] button").click()
        wait.until(lambda b: "已保存为" in b.page_source)
        page = browser.page_source
        check("回执：文件是怎样读取的" in page and "投诉举报案件台账" in page, "receipt shows the file as read")
        check("本单位的数字" in page, "receipt shows the township's figures")
        check("问题（" in page, "receipt lists the findings")
        full_page_shot("township.png")
        links = browser.find_elements(By.LINK_TEXT, "下载反馈表（问题单元格已标出）")
        if links:
            links[0].click()
            path = wait_for_download(".xlsx")
            check(path is not None and open(path, "rb").read(2) == b"PK", "feedback workbook downloaded")

        # The clerk confirms 以上数据无误 with a name.
        browser.find_element(By.NAME, "name").send_keys("王芳")
        browser.find_element(By.CSS_SELECTOR, "form[action='/township/confirm'] button").click()
        wait.until(lambda b: "已确认以上数据无误" in b.page_source)
        check("王芳" in browser.page_source, "township confirmed its data")

        # The district: the status table, the run, the download.
        sign_in("qu", "district-secret-1")
        wait.until(lambda b: "报送情况" in b.page_source)
        page = browser.page_source
        if not ("未报送" in page and "锦华街道" in page):
            print(page[page.find("<main>"):][:3000])
        check("未报送" in page and "锦华街道" in page, "district page shows who sent what")
        check("已确认（王芳" in page, "district page shows the confirmation")
        browser.find_element(By.CSS_SELECTOR, "form[action='/district/run'] button").click()
        # The progress page reloads itself until the run has ended.
        wait.until(lambda b: "运行报表（" in b.page_source)
        check("读取文件：" in browser.page_source, "run progress shown")
        WebDriverWait(browser, 300).until(lambda b: "报表已生成" in b.page_source)
        check(True, "the district ran the report")
        full_page_shot("run.png")
        browser.find_element(By.LINK_TEXT, "返回报送情况").click()
        wait.until(lambda b: "上次运行" in b.page_source)
        full_page_shot("district.png")
        for f in os.listdir(downloads):
            os.remove(os.path.join(downloads, f))
        browser.find_element(By.LINK_TEXT, "下载报表").click()
        path = wait_for_download(".xlsx")
        check(path is not None and open(path, "rb").read(2) == b"PK", "report downloaded")
        print("screenshots: docs/screenshots/township.png, district.png, run.png")
    finally:
        browser.quit()
        server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
