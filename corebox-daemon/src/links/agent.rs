//! What a click's headers say about the visitor: the browser's name, whether
//! it is a bot, and the referring site.
//!
//! Browsers are named by `woothee`, bots told by `isbot` (crawlers, link
//! previews, HTTP libraries and command-line clients); a click without a
//! user agent counts as a bot too. Both work on patterns, so the results
//! for a user agent are remembered: most clicks repeat one seen before.

use std::sync::LazyLock;

use moka::sync::Cache;

/// A classified user agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// The browser's name (`Firefox`, `Chrome`, ...), or `other`.
    pub browser: String,
    /// Whether it is a crawler, a preview fetcher or a script.
    pub is_bot: bool,
}

static BOTS: LazyLock<isbot::Bots> = LazyLock::new(isbot::Bots::default);
static PARSER: LazyLock<woothee::parser::Parser> = LazyLock::new(woothee::parser::Parser::new);
static SEEN: LazyLock<Cache<String, Agent>> = LazyLock::new(|| Cache::new(10_000));

/// Classifies a user agent.
pub fn classify(user_agent: Option<&str>) -> Agent {
    let Some(user_agent) = user_agent.map(str::trim).filter(|agent| !agent.is_empty()) else {
        return Agent {
            browser: "other".to_owned(),
            is_bot: true,
        };
    };
    if let Some(agent) = SEEN.get(user_agent) {
        return agent;
    }
    let is_bot = BOTS.is_bot(user_agent);
    let browser = PARSER
        .parse(user_agent)
        .filter(|found| found.browser_type == "browser")
        .map_or_else(|| "other".to_owned(), |found| found.name.to_owned());
    let agent = Agent { browser, is_bot };
    SEEN.insert(user_agent.to_owned(), agent.clone());
    agent
}

/// The referring site's host (`example.org`), `direct` when there was
/// none, `other` when the header is not a URL.
pub fn referrer_host(referrer: Option<&str>) -> String {
    let Some(referrer) = referrer.map(str::trim).filter(|text| !text.is_empty()) else {
        return "direct".to_owned();
    };
    url::Url::parse(referrer)
        .ok()
        .and_then(|url| url.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_else(|| "other".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_and_bots_are_told_apart() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";
        assert_eq!(
            classify(Some(firefox)),
            Agent {
                browser: "Firefox".to_owned(),
                is_bot: false
            }
        );
        assert_eq!(
            classify(Some(firefox)),
            classify(Some(firefox)),
            "remembered"
        );
        for bot in [
            "Googlebot/2.1 (+http://www.google.com/bot.html)",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "curl/8.5.0",
        ] {
            let agent = classify(Some(bot));
            assert!(agent.is_bot, "{bot}");
            assert_eq!(agent.browser, "other", "{bot}");
        }
        assert!(classify(None).is_bot);
        assert!(classify(Some("  ")).is_bot);
    }

    #[test]
    fn referrers_are_reduced_to_their_host() {
        assert_eq!(
            referrer_host(Some("https://Example.org/post?id=1")),
            "example.org"
        );
        assert_eq!(referrer_host(None), "direct");
        assert_eq!(referrer_host(Some("")), "direct");
        assert_eq!(referrer_host(Some("not a url")), "other");
    }
}
