//! Sessions and form tokens. A session is a random 256-bit token in an HttpOnly, Secure,
//! SameSite=Strict cookie, held in memory (a restart signs everyone out, nothing else).
//! Every form carries a one-time token issued for that session: a request without one — a
//! form posted from another site — or with one already used — a replayed request — is
//! refused.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::accounts::Role;

pub const COOKIE: &str = "laborstat_session";
/// A session unused this long is signed out.
const IDLE: Duration = Duration::from_secs(8 * 3600);
/// Form tokens a session keeps at most (the oldest are dropped): pages left open.
const TOKENS_KEPT: usize = 64;

#[derive(Debug, Clone)]
pub struct Session {
    pub account: String,
    pub role: Role,
    tokens: Vec<String>,
    used: HashSet<String>,
    seen: Instant,
}

#[derive(Default)]
pub struct Sessions {
    by_token: Mutex<HashMap<String, Session>>,
}

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the system's random numbers");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Sessions {
    pub fn start(&self, account: &str, role: Role) -> String {
        let token = random_token();
        let mut all = self.by_token.lock().expect("sessions");
        all.retain(|_, s| s.seen.elapsed() < IDLE);
        all.insert(
            token.clone(),
            Session {
                account: account.to_string(),
                role,
                tokens: Vec::new(),
                used: HashSet::new(),
                seen: Instant::now(),
            },
        );
        token
    }

    pub fn end(&self, token: &str) {
        self.by_token.lock().expect("sessions").remove(token);
    }

    /// The session of a cookie, when it is live.
    pub fn get(&self, token: &str) -> Option<Session> {
        let mut all = self.by_token.lock().expect("sessions");
        let session = all.get_mut(token)?;
        if session.seen.elapsed() >= IDLE {
            all.remove(token);
            return None;
        }
        session.seen = Instant::now();
        Some(session.clone())
    }

    /// A one-time token for a form of this session.
    pub fn form_token(&self, token: &str) -> String {
        let form = random_token();
        if let Some(session) = self.by_token.lock().expect("sessions").get_mut(token) {
            session.tokens.push(form.clone());
            if session.tokens.len() > TOKENS_KEPT {
                session.tokens.remove(0);
            }
        }
        form
    }

    /// Whether `form` is a token issued to this session and not used yet; it is used now.
    pub fn take_form_token(&self, token: &str, form: &str) -> bool {
        let mut all = self.by_token.lock().expect("sessions");
        let Some(session) = all.get_mut(token) else {
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
