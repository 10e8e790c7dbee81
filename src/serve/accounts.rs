//! The accounts of `laborstat serve`: one per township (it sees and changes only its own
//! files) and one or more for the district, issued by `laborstat users`. Kept in
//! `<output>/serve/users.json`, each password as an Argon2id hash (memory-hard, salted) —
//! never the password itself. Written atomically (temp file, then rename).

use std::path::{Path, PathBuf};

use anyhow::Context;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::{Deserialize, Serialize};

/// Who an account acts for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "lowercase")]
pub enum Role {
    /// The district's statisticians: every township's status, runs, downloads.
    District,
    /// One township, by its roster code.
    Township { code: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub name: String,
    #[serde(flatten)]
    pub role: Role,
    /// The Argon2id hash in PHC form (`$argon2id$v=19$…`).
    hash: String,
}

impl Account {
    /// The password hash, which a session keeps to end when the password is reset.
    pub fn credential(&self) -> &str {
        &self.hash
    }
}

/// Every account of one pipeline's server.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Accounts {
    accounts: Vec<Account>,
}

impl Accounts {
    pub fn path(serve_dir: &Path) -> PathBuf {
        serve_dir.join("users.json")
    }

    /// The accounts file, or none yet.
    pub fn load(serve_dir: &Path) -> anyhow::Result<Accounts> {
        let path = Accounts::path(serve_dir);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).with_context(|| {
                format!("账户文件 {} 无法读取（不是有效的 JSON）", path.display())
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Accounts::default()),
            Err(e) => Err(e).with_context(|| format!("读取账户文件 {}", path.display())),
        }
    }

    pub fn save(&self, serve_dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(serve_dir)
            .with_context(|| format!("创建文件夹 {}", serve_dir.display()))?;
        let path = Accounts::path(serve_dir);
        let temporary = serve_dir.join(".users.json.tmp");
        std::fs::write(&temporary, serde_json::to_string_pretty(self)?)
            .with_context(|| format!("写入 {}", temporary.display()))?;
        std::fs::rename(&temporary, &path).with_context(|| format!("写入 {}", path.display()))
    }

    /// Adds an account, or replaces the password and role of one of that name.
    pub fn set(&mut self, name: &str, role: Role, password: &str) -> anyhow::Result<()> {
        let hash = hash_password(password)?;
        self.accounts.retain(|a| a.name != name);
        self.accounts.push(Account {
            name: name.to_string(),
            role,
            hash,
        });
        Ok(())
    }

    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.accounts.len();
        self.accounts.retain(|a| a.name != name);
        self.accounts.len() != before
    }

    pub fn list(&self) -> &[Account] {
        &self.accounts
    }

    /// Whether `name` is still an account of `role` whose password hash is `credential`
    /// (not removed, not given another role or password since a session began).
    pub fn holds(&self, name: &str, role: &Role, credential: &str) -> bool {
        self.accounts
            .iter()
            .any(|a| a.name == name && a.role == *role && a.hash == credential)
    }

    /// The account, when the password is its own. The hash is checked even for an unknown
    /// name (against a fixed hash), so that the time taken does not tell which names exist.
    pub fn verify(&self, name: &str, password: &str) -> Option<&Account> {
        let account = self.accounts.iter().find(|a| a.name == name);
        let hash = account.map_or(UNKNOWN_ACCOUNT_HASH, |a| a.hash.as_str());
        let parsed = PasswordHash::new(hash).ok()?;
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        account.filter(|_| matches)
    }
}

/// A hash of a password nobody has, verified for names that do not exist.
const UNKNOWN_ACCOUNT_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$bm8tc3VjaC1hY2NvdW50$3yB0yLaTK1Vv6a4qgJr2yAGd0lHfTq4QhM1vC6cS1dA";

fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("系统随机数不可用：{e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("{e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("密码无法加密保存：{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_kept_as_a_hash_and_checked_against_it() {
        let mut accounts = Accounts::default();
        accounts
            .set(
                "jinhua",
                Role::Township {
                    code: "510199001".into(),
                },
                "correct horse",
            )
            .unwrap();
        let text = serde_json::to_string(&accounts).unwrap();
        assert!(!text.contains("correct horse") && text.contains("$argon2id$"));
        assert!(accounts.verify("jinhua", "correct horse").is_some());
        assert!(accounts.verify("jinhua", "wrong").is_none());
        assert!(accounts.verify("nobody", "correct horse").is_none());
    }
}
