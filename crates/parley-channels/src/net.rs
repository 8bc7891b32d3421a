//! Which addresses Parley fetches from when a link comes from outside (a customer's email
//! images, a provider's attachment link): only globally routable ones, checked on every name
//! resolution (so a name pointing at 127.0.0.1 or 169.254.169.254 is never connected to) and
//! every redirect. Used by the core's remote-image fetcher and the Graph adapter's downloads.

use std::net::{IpAddr, SocketAddr};

/// What a refused redirect to another scheme says.
pub const NOT_HTTP: &str = "a redirect to a link that is not http(s)";

/// What a refused resolution says (also how a caller recognises it in an error chain).
pub const LOCAL_ONLY: &str = "the name resolves only to local or private addresses";

/// A globally routable unicast address: not loopback, private, link-local, site-local, shared
/// (CGNAT), documentation, benchmarking, multicast, broadcast, unspecified, reserved or NAT64;
/// an IPv6 form that carries an IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`,
/// 6to4 `2002:AABB:CCDD::`) is judged by that IPv4 address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xC0) == 64)
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (o[1] & 0xFE) == 18)
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let embedded = |hi: u16, lo: u16| {
                IpAddr::V4(std::net::Ipv4Addr::from(
                    (u32::from(hi) << 16) | u32::from(lo),
                ))
            };
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            // IPv4-compatible (::a.b.c.d, deprecated but still routed by some stacks).
            if s[..6].iter().all(|x| *x == 0) && !(v6.is_loopback() || v6.is_unspecified()) {
                return is_public(embedded(s[6], s[7]));
            }
            // 6to4: 2002:AABB:CCDD::/48 reaches the IPv4 address AABBCCDD.
            if s[0] == 0x2002 {
                return is_public(embedded(s[1], s[2]));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xFE00) == 0xFC00
                || (s[0] & 0xFFC0) == 0xFE80
                || (s[0] & 0xFFC0) == 0xFEC0
                || (s[0] == 0x2001 && s[1] == 0x0DB8)
                || (s[0] == 0x64 && s[1] == 0xFF9B))
        }
    }
}

/// Scheme (`http`/`https`) and, for an IP-literal host, the address; names are checked when
/// resolved ([`CheckedResolver`]). `Err` says what was wrong.
pub fn check_url(url: &url::Url, allowed: fn(IpAddr) -> bool) -> Result<(), UrlRefused> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlRefused::Scheme);
    }
    match url.host() {
        Some(url::Host::Ipv4(ip)) if !allowed(IpAddr::V4(ip)) => Err(UrlRefused::Address),
        Some(url::Host::Ipv6(ip)) if !allowed(IpAddr::V6(ip)) => Err(UrlRefused::Address),
        Some(_) => Ok(()),
        None => Err(UrlRefused::Scheme),
    }
}

/// Why [`check_url`] refused a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlRefused {
    /// Not an http(s) link with a host.
    Scheme,
    /// A local, private or otherwise non-public address.
    Address,
}

/// Resolves with the system and drops every address the rule refuses; none left is an error.
pub struct CheckedResolver {
    pub allowed: fn(IpAddr) -> bool,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allowed = self.allowed;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allowed(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(LOCAL_ONLY.into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// A client for links from outside: no proxy, no referrer, the address rule on every
/// resolution and redirect (at most five).
pub fn checked_client(
    allowed: fn(IpAddr) -> bool,
    timeout: std::time::Duration,
) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .referer(false)
        .timeout(timeout)
        .connect_timeout(timeout.min(std::time::Duration::from_secs(5)))
        .user_agent("Parley")
        .dns_resolver(std::sync::Arc::new(CheckedResolver { allowed }))
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 {
                return attempt.error("too many redirects");
            }
            match check_url(attempt.url(), allowed) {
                Ok(()) => attempt.follow(),
                Err(UrlRefused::Scheme) => attempt.error(NOT_HTTP),
                Err(UrlRefused::Address) => attempt.error(LOCAL_ONLY),
            }
        }))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_addresses() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            // Forms that carry a private IPv4 address, and old site-local and NAT64 ranges.
            "::127.0.0.1",
            "::10.0.0.1",
            "::a9fe:a9fe",
            "2002:7f00:1::",
            "2002:a9fe:a9fe::1",
            "2002:c0a8:101::",
            "fec0::1",
            "feff::1",
            "64:ff9b::a00:1",
            "64:ff9b:1::1",
        ] {
            assert!(!is_public(bad.parse().expect("ip")), "{bad}");
        }
        for good in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "2002:5db8:d822::1",
            "::5db8:d822",
        ] {
            assert!(is_public(good.parse().expect("ip")), "{good}");
        }
    }
}
