//! Sessions and form tokens. A session is a random 256-bit token in an HttpOnly, Secure,
//! SameSite=Strict cookie. The server keeps only the token's SHA-256 (in memory, and in
//! `<serve>/sessions.json` so that a restart does not sign everyone out): the file holds no
//! cookie anyone could present. A session lasts [`LIFETIME`] from sign-in and ends at once
//! when its account is removed or its password reset (`laborstat users`): each request
//! checks the account as it is now.
//!
//! Every form carries a one-time token issued for that session (in memory only: a page
//! from before a restart asks to be reloaded): a request without one — a form posted from
//! another site — or with one already used — a replayed request — is refused.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::accounts::Role;

pub const COOKIE: &str = "laborstat_session";
/// A session ends this long after its sign-in (a working day).
const LIFETIME: Duration = Duration::from_secs(10 * 3600);
/// Form tokens a session keeps at most (the oldest are dropped): pages left open.
const TOKENS_KEPT: usize = 64;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub account: String,
    pub role: Role,
    /// The account's password hash when it signed in: a reset password ends the session.
    pub credential: String,
    /// Seconds since 1970 of the sign-in.
    started: u64,
    #[serde(skip)]
    tokens: Vec<String>,
    #[serde(skip)]
    used: HashSet<String>,
}

impl Session {
    fn live(&self) -> bool {
        now_seconds().saturating_sub(self.started) < LIFETIME.as_secs()
    }
}

/// Live sessions by the SHA-256 of their cookie token.
pub struct Sessions {
    by_hash: Mutex<HashMap<String, Session>>,
    file: PathBuf,
}

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the system's random numbers");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hash_of(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Sessions {
    /// The sessions kept in `serve_dir` (none when the file is missing or unreadable: then
    /// everyone signs in again, nothing else is lost).
    pub fn open(serve_dir: &Path) -> Sessions {
        let file = serve_dir.join("sessions.json");
        let mut by_hash: HashMap<String, Session> = std::fs::read_to_string(&file)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        by_hash.retain(|_, s| s.live());
        Sessions {
            by_hash: Mutex::new(by_hash),
            file,
        }
    }

    /// Writes the sessions beside their file and renames it over (atomic); a failure only
    /// means a restart would sign these sessions out.
    fn save(&self, all: &HashMap<String, Session>) {
        let temporary = self.file.with_extension("json.tmp");
        if let Ok(text) = serde_json::to_string(all) {
            if std::fs::write(&temporary, text).is_ok() {
                let _ = std::fs::rename(&temporary, &self.file);
            }
        }
    }

    pub fn start(&self, account: &str, role: Role, credential: &str) -> String {
        let token = random_token();
        let mut all = self.by_hash.lock().expect("sessions");
        all.retain(|_, s| s.live());
        all.insert(
            hash_of(&token),
            Session {
                account: account.to_string(),
                role,
                credential: credential.to_string(),
                started: now_seconds(),
                tokens: Vec::new(),
                used: HashSet::new(),
            },
        );
        self.save(&all);
        token
    }

    pub fn end(&self, token: &str) {
        let mut all = self.by_hash.lock().expect("sessions");
        if all.remove(&hash_of(token)).is_some() {
            self.save(&all);
        }
    }

    /// The session of a cookie, when it is live and `still_valid` holds for it (its account
    /// as it is now); otherwise it ends.
    pub fn get(&self, token: &str, still_valid: impl Fn(&Session) -> bool) -> Option<Session> {
        let key = hash_of(token);
        let mut all = self.by_hash.lock().expect("sessions");
        let session = all.get(&key)?;
        if !session.live() || !still_valid(session) {
            all.remove(&key);
            self.save(&all);
            return None;
        }
        Some(session.clone())
    }

    /// A one-time token for a form of this session.
    pub fn form_token(&self, token: &str) -> String {
        let form = random_token();
        if let Some(session) = self
            .by_hash
            .lock()
            .expect("sessions")
            .get_mut(&hash_of(token))
        {
            session.tokens.push(form.clone());
            if session.tokens.len() > TOKENS_KEPT {
                session.tokens.remove(0);
            }
        }
        form
    }

    /// Whether `form` is a token issued to this session and not used yet; it is used now.
    pub fn take_form_token(&self, token: &str, form: &str) -> bool {
        let mut all = self.by_hash.lock().expect("sessions");
        let Some(session) = all.get_mut(&hash_of(token)) else {
            return false;
        };
        if session.used.contains(form) {
            return false;
        }
        let Some(at) = session.tokens.iter().position(|t| t == form) else {
            return false;
        };
        session.tokens.remove(at);
        session.used.insert(form.to_string());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_outlives_a_restart_but_not_its_account_and_the_file_holds_no_cookie() {
        let dir = tempfile::tempdir().unwrap();
        let sessions = Sessions::open(dir.path());
        let token = sessions.start("qu", Role::District, "hash-1");
        let written = std::fs::read_to_string(dir.path().join("sessions.json")).unwrap();
        assert!(!written.contains(&token), "only the token's hash is kept");

        // A restart: the same cookie is still signed in.
        let again = Sessions::open(dir.path());
        let session = again.get(&token, |_| true).expect("kept");
        assert_eq!(session.account, "qu");
        // A reset password (another credential) ends it, for good.
        assert!(again.get(&token, |s| s.credential == "hash-2").is_none());
        assert!(again.get(&token, |_| true).is_none());
        assert!(Sessions::open(dir.path()).get(&token, |_| true).is_none());
    }
}
