//! Property tests of the origin check ([`SecretScope`]): secrets go to the configured origin
//! only, and no address a server names may lower the transport's safety.

use proptest::prelude::*;

use super::*;
use crate::test_support::{proptest_config, url_like};

/// A marker that stands for a secret in a URL's path, query, fragment or user info.
const MARKER: &str = "s3cr3tmark";

/// A URL built from parts likely to collide: same host in other cases, default ports spelled
/// out or not, loopback and not, and a secret-looking marker where addresses carry capabilities.
fn url_parts() -> impl Strategy<Value = url::Url> {
    (
        prop::sample::select(vec!["http", "https", "HTTPS", "Http", "ftp", "ws", "file"]),
        prop::sample::select(vec![
            "example.com",
            "EXAMPLE.com",
            "example.com.",
            "other.example",
            "localhost",
            "127.0.0.1",
            "127.0.0.2",
            "[::1]",
            "10.0.0.1",
            "xn--bcher-kva.example",
        ]),
        prop_oneof![
            Just(None),
            Just(Some(80u16)),
            Just(Some(443)),
            any::<u16>().prop_map(Some)
        ],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_filter_map("not a URL", |(scheme, host, port, userinfo, query)| {
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            let userinfo = if userinfo {
                format!("user:{MARKER}@")
            } else {
                String::new()
            };
            let query = if query {
                format!("?token={MARKER}#{MARKER}")
            } else {
                String::new()
            };
            url::Url::parse(&format!(
                "{scheme}://{userinfo}{host}{port}/{MARKER}/x{query}"
            ))
            .ok()
        })
}

fn same_origin(a: &url::Url, b: &url::Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

proptest! {
    #![proptest_config(proptest_config())]

    /// Secrets may go exactly where the configured http(s) endpoint is: same scheme, host and
    /// port (default ports filled in); never anywhere from a non-web endpoint.
    #[test]
    fn scope_admits_only_its_origin(endpoint in url_parts(), target in url_parts()) {
        let scope = SecretScope::new(&endpoint);
        let web = matches!(endpoint.scheme(), "http" | "https" | "ws" | "ftp");
        prop_assert_eq!(scope.admits(&target), web && same_origin(&endpoint, &target));
        if matches!(endpoint.scheme(), "http" | "https") {
            prop_assert!(scope.admits(&endpoint));
        }
    }

    /// A named address is accepted only over https, or over plain http on this computer when the
    /// endpoint is plain http too; `require` adds the origin check on top.
    #[test]
    fn named_addresses_never_lower_safety(endpoint in url_parts(), target in url_parts()) {
        let scope = SecretScope::new(&endpoint);
        let checked = scope.check_named_address(&target);
        if checked.is_ok() {
            prop_assert!(
                target.scheme() == "https"
                    || (target.scheme() == "http"
                        && endpoint.scheme() != "https"
                        && super::super::http::is_loopback(&target)),
                "{target} accepted for {endpoint}"
            );
        }
        if target.scheme() == "http" && endpoint.scheme() == "https" {
            let insecure = matches!(checked, Err(ProtocolError::InsecureAddress { .. }));
            prop_assert!(insecure, "{checked:?}");
        }
        let required = scope.require(&target);
        prop_assert_eq!(required.is_ok(), checked.is_ok() && scope.admits(&target));
    }

    /// The origin text shown in errors never carries the path, query, fragment or user info.
    #[test]
    fn origin_text_shows_no_capability(url in url_parts()) {
        let text = origin_text(&url);
        prop_assert!(!text.contains(MARKER), "{text}");
        prop_assert!(text.starts_with(url.scheme()));
    }

    /// Any URL a server could name, checked against any endpoint: an answer, never a panic.
    #[test]
    fn any_address_is_checked_without_panic(endpoint in url_like(), target in url_like()) {
        if let (Ok(endpoint), Ok(target)) = (url::Url::parse(&endpoint), url::Url::parse(&target)) {
            let scope = SecretScope::new(&endpoint);
            let _ = scope.admits(&target);
            let _ = scope.check_named_address(&target);
            let _ = scope.require(&target);
            let _ = origin_text(&target);
        }
    }
}
