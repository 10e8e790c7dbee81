//! Check digits of Chinese identifiers: 统一社会信用代码 (GB 32100-2015, with the GB 11714
//! organisation-code check inside it) and 居民身份证号 (GB 11643, with its birth date).
//! These are the one piece of domain knowledge kept in Rust: arithmetic, not configuration.

use chrono::NaiveDate;

/// What is wrong with an identifier. `Format` problems are always errors; a failed check
/// digit may be a warning (some genuine early credit codes fail it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdProblem {
    Format(String),
    CheckDigit(String),
}

const CREDIT_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// 统一社会信用代码: 18 characters of `0-9A-Z` without I, O, S, V, Z; characters 9–17 are
/// the organisation code with its own mod-11 check; the 18th is the mod-31 check.
pub fn check_credit_code(code: &str) -> Result<(), IdProblem> {
    let code = code.trim().to_uppercase();
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return Err(IdProblem::Format(format!(
            "统一社会信用代码应为18位，这里是{}位",
            chars.len()
        )));
    }
    let mut values = Vec::with_capacity(18);
    for (i, c) in chars.iter().enumerate() {
        match CREDIT_CHARS.find(*c) {
            Some(v) => values.push(v as u32),
            None => {
                return Err(IdProblem::Format(format!(
                    "统一社会信用代码第{}位“{c}”不是允许的字符（不含I、O、S、V、Z）",
                    i + 1
                )))
            }
        }
    }
    // Organisation code (positions 9–17): 8 digits/letters + check, mod 11.
    let org: u32 = values[8..16]
        .iter()
        .zip(ORG_WEIGHTS)
        .map(|(v, w)| v * w)
        .sum();
    let org_check = match 11 - org % 11 {
        11 => '0',
        10 => 'X',
        n => char::from_digit(n, 10).expect("digit"),
    };
    let total: u32 = values[..17]
        .iter()
        .zip(CREDIT_WEIGHTS)
        .map(|(v, w)| v * w)
        .sum();
    let check = CREDIT_CHARS
        .chars()
        .nth(((31 - total % 31) % 31) as usize)
        .expect("in range");
    if chars[17] != check {
        return Err(IdProblem::CheckDigit(format!(
            "统一社会信用代码校验位不符：第18位应为“{check}”，填写的是“{}”",
            chars[17]
        )));
    }
    if chars[16] != org_check {
        return Err(IdProblem::CheckDigit(format!(
            "统一社会信用代码中的组织机构代码校验位不符：第17位应为“{org_check}”，填写的是“{}”",
            chars[16]
        )));
    }
    Ok(())
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECKS: &[u8; 11] = b"10X98765432";

/// 居民身份证号: 17 digits + a check character (0–9 or X, lowercase accepted); digits 7–14
/// are a real birth date.
pub fn check_id_card(id: &str) -> Result<(), IdProblem> {
    let id = id.trim().to_uppercase();
    let chars: Vec<char> = id.chars().collect();
    if chars.len() != 18 {
        return Err(IdProblem::Format(format!(
            "身份证号应为18位，这里是{}位",
            chars.len()
        )));
    }
    if !chars[..17].iter().all(char::is_ascii_digit)
        || !(chars[17].is_ascii_digit() || chars[17] == 'X')
    {
        return Err(IdProblem::Format(
            "身份证号前17位应为数字，第18位为数字或X".into(),
        ));
    }
    let birth: String = chars[6..14].iter().collect();
    let date = NaiveDate::parse_from_str(&birth, "%Y%m%d").ok();
    if date.is_none_or(|d| d.format("%Y").to_string().as_str() < "1900") {
        return Err(IdProblem::Format(format!(
            "身份证号中的出生日期“{birth}”不是有效日期"
        )));
    }
    let total: u32 = chars[..17]
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(c, w)| c.to_digit(10).expect("digit") * w)
        .sum();
    let check = ID_CHECKS[(total % 11) as usize] as char;
    if chars[17] != check {
        return Err(IdProblem::CheckDigit(format!(
            "身份证号校验位不符：第18位应为“{check}”"
        )));
    }
    Ok(())
}

/// Personal data is shown masked in reports and findings: 510107********1234.
pub fn mask_id_card(id: &str) -> String {
    let chars: Vec<char> = id.trim().chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_codes() {
        // Published examples with valid check digits.
        assert_eq!(check_credit_code("91350100M000100Y43"), Ok(()));
        assert_eq!(check_credit_code("91110000600037341L"), Ok(()));
        assert!(matches!(
            check_credit_code("91350100M000100Y44"),
            Err(IdProblem::CheckDigit(_))
        ));
        assert!(matches!(
            check_credit_code("91350100M000100Y4"),
            Err(IdProblem::Format(_))
        ));
        assert!(matches!(
            check_credit_code("91350100M0001O0Y43"),
            Err(IdProblem::Format(_))
        ));
        // Lowercase is accepted.
        assert_eq!(check_credit_code("91350100m000100y43"), Ok(()));
    }

    #[test]
    fn id_cards() {
        assert_eq!(check_id_card("11010519491231002X"), Ok(()));
        assert_eq!(check_id_card("11010519491231002x"), Ok(()));
        assert!(matches!(
            check_id_card("110105194912310021"),
            Err(IdProblem::CheckDigit(_))
        ));
        assert!(matches!(
            check_id_card("110105194913310021"),
            Err(IdProblem::Format(_))
        ));
        assert!(matches!(
            check_id_card("1101051949123100"),
            Err(IdProblem::Format(_))
        ));
        assert_eq!(mask_id_card("11010519491231002X"), "110105********002X");
    }
}
