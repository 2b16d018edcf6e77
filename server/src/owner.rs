//! Whose runs are whose. A run belongs to the user whose id the server wrote into its
//! `toolhouse_id` when it created it; the page never chooses it.

use crate::route::is_uuid;

/// Longer user ids are refused (the service scopes an agent's memory by them).
const MAX_USER_ID: usize = 256;

/// Whether a user id from `authorize` can own runs: 1 to 256 characters, no control
/// characters, and not `"default"`, the `toolhouse_id` the service gives every run
/// created without one (so that user would own every such run of the key).
pub fn check_user_id(user_id: &str) -> Result<(), &'static str> {
    if user_id.is_empty() || user_id.chars().count() > MAX_USER_ID {
        return Err("userId: 1 to 256 characters");
    }
    if user_id.chars().any(char::is_control) {
        return Err("userId: no control characters");
    }
    if user_id == "default" {
        return Err("userId: \"default\" is the service's toolhouse_id for runs made without one; it cannot be a user");
    }
    Ok(())
}

/// Whether the run whose `toolhouse_id` is `toolhouse_id` (absent, `null` or not a
/// string: `None`) belongs to the user. Exact comparison; a run without a
/// `toolhouse_id` belongs to nobody, and no user id that [`check_user_id`] refuses owns
/// anything.
pub fn owns(toolhouse_id: Option<&str>, user_id: &str) -> bool {
    check_user_id(user_id).is_ok() && toolhouse_id == Some(user_id)
}

/// Whether `chat_id` is a UUID and one of `allowed` (compared without regard to case,
/// as UUIDs are).
pub fn chat_allowed(chat_id: &str, allowed: &[String]) -> bool {
    is_uuid(chat_id) && allowed.iter().any(|a| a.eq_ignore_ascii_case(chat_id))
}

/// The list of allowed chats, checked when a handler is made: each a UUID.
pub fn check_chat_list(allowed: &[String]) -> Result<(), &'static str> {
    if allowed.iter().all(|a| is_uuid(a)) {
        Ok(())
    } else {
        Err("chats: each must be a chat id (a UUID)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CHAT: &str = "0b5c1a1e-2f3d-4c5b-8a9e-7f6d5c4b3a21";

    #[test]
    fn a_run_belongs_to_the_user_named_in_its_toolhouse_id() {
        assert!(owns(Some("u-42"), "u-42"));
        assert!(!owns(Some("u-43"), "u-42"));
        assert!(!owns(Some("U-42"), "u-42"));
        assert!(!owns(Some("u-42 "), "u-42"));
        assert!(!owns(Some(""), "u-42"));
    }

    #[test]
    fn a_run_without_a_toolhouse_id_belongs_to_nobody() {
        assert!(!owns(None, "u-42"));
        assert!(!owns(None, ""));
    }

    #[test]
    fn refused_user_ids_own_nothing() {
        assert!(!owns(Some(""), ""));
        assert!(!owns(Some("default"), "default"));
        assert!(!owns(Some("a\nb"), "a\nb"));
    }

    #[test]
    fn user_ids_are_short_printable_and_not_the_service_default() {
        assert!(check_user_id("u-42").is_ok());
        assert!(check_user_id("ada@example.com").is_ok());
        assert!(check_user_id(&"é".repeat(256)).is_ok());
        for bad in ["", "default", "a\u{0}b", "tab\t", "line\n"] {
            assert!(check_user_id(bad).is_err(), "{bad:?}");
        }
        assert!(check_user_id(&"x".repeat(257)).is_err());
    }

    #[test]
    fn only_listed_chats_are_allowed_whatever_their_case() {
        let list = vec![CHAT.to_owned()];
        assert!(chat_allowed(CHAT, &list));
        assert!(chat_allowed(&CHAT.to_uppercase(), &list));
        assert!(!chat_allowed("5f0e7d6c-4b3a-4921-8e7f-6a5b4c3d2e1f", &list));
        assert!(!chat_allowed("", &list));
        assert!(!chat_allowed(CHAT, &[]));
        // Not a UUID, even if listed.
        assert!(!chat_allowed("x", &["x".to_owned()]));
    }

    #[test]
    fn a_chat_list_holds_uuids_only() {
        assert!(check_chat_list(&[CHAT.to_owned()]).is_ok());
        assert!(check_chat_list(&[]).is_ok());
        assert!(check_chat_list(&[CHAT.to_owned(), "*".to_owned()]).is_err());
    }

    proptest! {
        #[test]
        fn nobody_owns_a_run_of_another_id(a in any::<String>(), b in any::<String>()) {
            prop_assume!(a != b);
            prop_assert!(!owns(Some(&a), &b));
        }

        #[test]
        fn every_usable_user_id_owns_its_own_runs(id in "[^\\p{Cc}]{1,256}") {
            prop_assume!(id != "default");
            prop_assert!(owns(Some(&id), &id));
        }
    }
}
