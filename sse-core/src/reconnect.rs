//! The EventSource reconnection rules as a pure state machine.
//!
//! The adapter tells [`Reconnect`] what happened (a response head, a
//! disconnect, a `retry` field) with the current time as a number, and gets
//! back what to do: open, follow a redirect, wait a delay and reconnect, or
//! give up. It never sleeps, reads a clock or draws random numbers itself:
//! time and randomness come in as arguments, so tests pin every delay.
//!
//! Rules (WHATWG, plus what services need):
//! - `200` with a `text/event-stream` content type opens the stream; `204`
//!   means "stop" and any other status or content type fails the connection
//!   for good, unless [`ReconnectConfig::retry_server_errors`] lets `5xx`
//!   retry.
//! - Redirects are followed up to a limit.
//! - After a network error or the end of the body the client waits the
//!   reconnection time (the server's `retry`, or the default), doubled after
//!   each consecutive failure up to a cap, with random jitter so that
//!   clients dropped together do not return together (added below the cap,
//!   taken off the cap at the cap). The delay is never shorter than the
//!   reconnection time. A connection that stayed open for
//!   the healthy period resets the doubling.

use core::fmt;

/// Reconnection time before any `retry` field (browsers use about 3 s).
pub const DEFAULT_RECONNECT_MS: u64 = 3_000;
/// Cap on the backed-off delay (a server's `retry` above it still wins).
pub const DEFAULT_MAX_DELAY_MS: u64 = 60_000;
/// How long a connection must stay open to reset the backoff.
pub const DEFAULT_HEALTHY_AFTER_MS: u64 = 30_000;
/// Redirects followed before failing.
pub const DEFAULT_MAX_REDIRECTS: u32 = 10;
/// Jitter: each delay moves by up to this many thousandths of it (longer,
/// or shorter than the cap once the cap is reached).
pub const DEFAULT_JITTER_PERMILLE: u32 = 200;
/// After a failed reconnect the doubling starts from at least this many ms,
/// so a server that sent `retry: 0` and then fails is not hammered.
pub const DEFAULT_MIN_BACKOFF_MS: u64 = 100;

/// Tunables of [`Reconnect`], with the `DEFAULT_*` constants as defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReconnectConfig {
    /// Reconnection time until the server sends `retry`, in ms.
    pub reconnect_ms: u64,
    /// Cap on the doubled delay, in ms.
    pub max_delay_ms: u64,
    /// Open time after which the backoff resets, in ms.
    pub healthy_after_ms: u64,
    /// Redirects followed before failing.
    pub max_redirects: u32,
    /// Random spread of each delay, in thousandths of it (0 = none).
    pub jitter_permille: u32,
    /// Retry (with backoff) on `5xx` instead of failing. Off by default, as
    /// the spec fails the connection on any status but 200.
    pub retry_server_errors: bool,
    /// Floor of the doubled delay after a failed reconnect, in ms.
    pub min_backoff_ms: u64,
    /// When a stream that ended is opened again.
    pub mode: ReconnectMode,
}

/// When a stream that ended is opened again.
///
/// Browsers always reconnect; a stream that answers one request (an LLM
/// completion sent with `POST`) must not be asked again, or the prompt is
/// sent twice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReconnectMode {
    /// After the server ends the stream and after errors (the
    /// `EventSource` behaviour).
    #[default]
    Always,
    /// After errors (a cut connection, a timeout, a retried `5xx`), not
    /// after the server ended the stream cleanly.
    OnError,
    /// Never: the first attempt is the only one.
    Never,
}

impl ReconnectConfig {
    /// The defaults.
    pub const DEFAULT: Self = Self {
        reconnect_ms: DEFAULT_RECONNECT_MS,
        max_delay_ms: DEFAULT_MAX_DELAY_MS,
        healthy_after_ms: DEFAULT_HEALTHY_AFTER_MS,
        max_redirects: DEFAULT_MAX_REDIRECTS,
        jitter_permille: DEFAULT_JITTER_PERMILLE,
        retry_server_errors: false,
        min_backoff_ms: DEFAULT_MIN_BACKOFF_MS,
        mode: ReconnectMode::Always,
    };

    /// Sets the initial reconnection time.
    #[must_use]
    pub const fn with_reconnect_ms(mut self, ms: u64) -> Self {
        self.reconnect_ms = ms;
        self
    }

    /// Sets the backoff cap.
    #[must_use]
    pub const fn with_max_delay_ms(mut self, ms: u64) -> Self {
        self.max_delay_ms = ms;
        self
    }

    /// Sets the healthy period that resets the backoff.
    #[must_use]
    pub const fn with_healthy_after_ms(mut self, ms: u64) -> Self {
        self.healthy_after_ms = ms;
        self
    }

    /// Sets the redirect limit.
    #[must_use]
    pub const fn with_max_redirects(mut self, n: u32) -> Self {
        self.max_redirects = n;
        self
    }

    /// Sets the jitter, in thousandths of the delay.
    #[must_use]
    pub const fn with_jitter_permille(mut self, permille: u32) -> Self {
        self.jitter_permille = permille;
        self
    }

    /// Sets the floor of the doubled delay after a failed reconnect.
    #[must_use]
    pub const fn with_min_backoff_ms(mut self, ms: u64) -> Self {
        self.min_backoff_ms = ms;
        self
    }

    /// Retries `5xx` responses with backoff instead of failing.
    #[must_use]
    pub const fn with_retry_server_errors(mut self, retry: bool) -> Self {
        self.retry_server_errors = retry;
        self
    }

    /// Sets when an ended stream is opened again.
    #[must_use]
    pub const fn with_mode(mut self, mode: ReconnectMode) -> Self {
        self.mode = mode;
        self
    }
}

impl Default for ReconnectConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The `EventSource.readyState` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReadyState {
    /// Connecting, or waiting to reconnect.
    Connecting,
    /// The stream is open and events flow.
    Open,
    /// Failed or closed for good; no more reconnects.
    Closed,
}

/// Why the connection was given up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailReason {
    /// The server answered `204 No Content`: its way of saying "stop".
    NoContent,
    /// A status other than 200 (and not a followed redirect).
    Status(u16),
    /// A 200 whose content type is not `text/event-stream`.
    ContentType,
    /// More redirects than the configured limit.
    TooManyRedirects,
    /// The user closed the stream.
    Closed,
    /// A 200 event stream with a `Content-Encoding` the client did not
    /// ask for (it would parse as garbage).
    ContentEncoding,
    /// The stream ended and the [`ReconnectMode`] does not open it again.
    Finished,
}

impl fmt::Display for FailReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoContent => f.write_str("server answered 204 No Content: stream ended for good"),
            Self::Status(code) => write!(f, "server answered status {code}"),
            Self::ContentType => f.write_str("response content type is not text/event-stream"),
            Self::TooManyRedirects => f.write_str("too many redirects"),
            Self::Closed => f.write_str("stream closed"),
            Self::ContentEncoding => {
                f.write_str("response is content-encoded, which an event stream cannot be")
            }
            Self::Finished => f.write_str("stream finished; the reconnect mode does not reopen it"),
        }
    }
}

impl core::error::Error for FailReason {}

/// What the adapter should do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read events from this response.
    Open,
    /// Connect to the response's `Location` now.
    Redirect,
    /// Wait this many milliseconds, then connect again (sending
    /// `Last-Event-ID` if the parser has one).
    Retry {
        /// The delay in milliseconds.
        delay_ms: u64,
    },
    /// Stop for good.
    Fail(FailReason),
}

/// Whether a `Content-Type` value's essence is `text/event-stream`
/// (parameters such as `charset` are ignored, case does not matter).
///
/// ```
/// use sse_core::is_event_stream;
/// assert!(is_event_stream("text/event-stream"));
/// assert!(is_event_stream("Text/Event-Stream; charset=utf-8"));
/// assert!(is_event_stream("text/event-stream;"));
/// assert!(!is_event_stream("text/plain"));
/// assert!(!is_event_stream("text/event-streams"));
/// ```
pub fn is_event_stream(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("");
    essence.trim_matches([' ', '\t']).eq_ignore_ascii_case("text/event-stream")
}

/// The reconnect state machine of one event source.
///
/// ```
/// use sse_core::{Action, FailReason, ReadyState, Reconnect, ReconnectConfig};
///
/// let config = ReconnectConfig::DEFAULT.with_jitter_permille(0);
/// let mut source = Reconnect::new(config);
/// let mut rng = || 0u64; // the caller's random source
/// assert_eq!(source.on_response(200, Some("text/event-stream"), 0, &mut rng), Action::Open);
/// source.set_retry(500); // a `retry: 500` field arrived
/// assert_eq!(source.on_disconnect(1_000, &mut rng), Action::Retry { delay_ms: 500 });
/// // The reconnect fails: the next wait doubles.
/// assert_eq!(source.on_disconnect(1_600, &mut rng), Action::Retry { delay_ms: 1_000 });
/// assert_eq!(
///     source.on_response(204, None, 2_700, &mut rng),
///     Action::Fail(FailReason::NoContent)
/// );
/// assert_eq!(source.ready_state(), ReadyState::Closed);
/// ```
#[derive(Clone, Debug)]
pub struct Reconnect {
    config: ReconnectConfig,
    state: ReadyState,
    server_retry: Option<u64>,
    /// Consecutive reconnects without a healthy connection in between.
    failures: u32,
    opened_at: Option<u64>,
    redirects: u32,
}

impl Reconnect {
    /// A new event source, connecting.
    pub fn new(config: ReconnectConfig) -> Self {
        Self {
            config,
            state: ReadyState::Connecting,
            server_retry: None,
            failures: 0,
            opened_at: None,
            redirects: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ReconnectConfig {
        &self.config
    }

    /// The current ready state.
    pub fn ready_state(&self) -> ReadyState {
        self.state
    }

    /// The reconnection time: the server's last `retry`, else the default.
    pub fn reconnection_time_ms(&self) -> u64 {
        self.server_retry.unwrap_or(self.config.reconnect_ms)
    }

    /// Records a `retry` field (see [`Parser::retry`](crate::Parser::retry)).
    pub fn set_retry(&mut self, ms: u64) {
        self.server_retry = Some(ms);
    }

    /// A response head arrived. `content_type` is the header's value, if
    /// any; `now_ms` is any monotonic clock in milliseconds.
    pub fn on_response(
        &mut self,
        status: u16,
        content_type: Option<&str>,
        now_ms: u64,
        rng: &mut impl FnMut() -> u64,
    ) -> Action {
        if self.state == ReadyState::Closed {
            return Action::Fail(FailReason::Closed);
        }
        match status {
            200 if content_type.is_some_and(is_event_stream) => {
                self.state = ReadyState::Open;
                self.opened_at = Some(now_ms);
                self.redirects = 0;
                Action::Open
            }
            200 => self.fail(FailReason::ContentType),
            204 => self.fail(FailReason::NoContent),
            301 | 302 | 303 | 307 | 308 => {
                if self.redirects < self.config.max_redirects {
                    self.redirects += 1;
                    Action::Redirect
                } else {
                    self.fail(FailReason::TooManyRedirects)
                }
            }
            500..=599
                if self.config.retry_server_errors && self.config.mode != ReconnectMode::Never =>
            {
                self.schedule(now_ms, rng)
            }
            _ => self.fail(FailReason::Status(status)),
        }
    }

    /// The connection failed (a network error, a timeout, a cut body):
    /// returns the wait before reconnecting, or [`Action::Fail`] once
    /// closed ([`FailReason::Finished`] when the mode is
    /// [`ReconnectMode::Never`]).
    pub fn on_disconnect(&mut self, now_ms: u64, rng: &mut impl FnMut() -> u64) -> Action {
        if self.state == ReadyState::Closed {
            return Action::Fail(FailReason::Closed);
        }
        match self.config.mode {
            ReconnectMode::Never => self.fail(FailReason::Finished),
            ReconnectMode::Always | ReconnectMode::OnError => self.schedule(now_ms, rng),
        }
    }

    /// The server ended the stream cleanly: returns the wait before
    /// reconnecting, or [`Action::Fail`] with [`FailReason::Finished`]
    /// unless the mode is [`ReconnectMode::Always`].
    pub fn on_end(&mut self, now_ms: u64, rng: &mut impl FnMut() -> u64) -> Action {
        if self.state == ReadyState::Closed {
            return Action::Fail(FailReason::Closed);
        }
        match self.config.mode {
            ReconnectMode::Always => self.schedule(now_ms, rng),
            ReconnectMode::OnError | ReconnectMode::Never => self.fail(FailReason::Finished),
        }
    }

    /// A new request from the origin (not a redirect's next hop): the
    /// redirect count starts again.
    pub(crate) fn forget_redirects(&mut self) {
        self.redirects = 0;
    }

    /// The user closed the stream: no more reconnects.
    pub fn close(&mut self) {
        self.state = ReadyState::Closed;
        self.opened_at = None;
    }

    fn fail(&mut self, reason: FailReason) -> Action {
        self.close();
        Action::Fail(reason)
    }

    fn schedule(&mut self, now_ms: u64, rng: &mut impl FnMut() -> u64) -> Action {
        let healthy = self
            .opened_at
            .is_some_and(|t| now_ms.saturating_sub(t) >= self.config.healthy_after_ms);
        if healthy {
            self.failures = 0;
        }
        let delay_ms = self.delay(rng);
        self.failures = self.failures.saturating_add(1);
        self.state = ReadyState::Connecting;
        self.opened_at = None;
        self.redirects = 0;
        Action::Retry { delay_ms }
    }

    /// `base * 2^failures`, capped, moved by up to `jitter_permille` of it:
    /// up, or down from the cap once the cap is reached, so clients dropped
    /// together stay spread out. Never below the reconnection time.
    fn delay(&self, rng: &mut impl FnMut() -> u64) -> u64 {
        let base = self.reconnection_time_ms();
        let cap = self.config.max_delay_ms.max(base);
        let grow_from =
            if self.failures == 0 { base } else { base.max(self.config.min_backoff_ms) };
        let nominal = grow_from.saturating_mul(1u64 << self.failures.min(62)).min(cap);
        let spread = u128::from(nominal) * u128::from(self.config.jitter_permille) / 1000;
        let spread = u64::try_from(spread).unwrap_or(u64::MAX);
        let jitter = match spread {
            0 => 0,
            u64::MAX => rng(),
            spread => rng() % (spread + 1),
        };
        match nominal.checked_add(jitter) {
            Some(delay) if delay <= cap => delay,
            _ => cap.saturating_sub(jitter).max(base),
        }
    }
}

/// Jitter for reconnect delays: a xorshift generator. Delays need spread
/// between clients, not cryptographic strength.
///
/// ```
/// use sse_core::Jitter;
/// let mut a = Jitter::new(1);
/// let mut b = Jitter::new(1);
/// assert_eq!(a.next_u64(), b.next_u64()); // the seed decides the sequence
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Jitter(u64);

impl Jitter {
    /// A generator from `seed` (any value; zero is made odd).
    pub const fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    /// The next value, as [`Reconnect::on_response`] and
    /// [`Reconnect::on_disconnect`] take it.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}
