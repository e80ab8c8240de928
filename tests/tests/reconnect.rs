//! The reconnect policy under simulated time: pinned delay sequences,
//! backoff reset after a healthy period, server `retry`, jitter bounds,
//! and every way a connection fails for good.

use sse_core::{Action, FailReason, ReadyState, Reconnect, ReconnectConfig};

const SSE: Option<&str> = Some("text/event-stream");

fn no_jitter() -> Reconnect {
    Reconnect::new(ReconnectConfig::DEFAULT.with_jitter_permille(0))
}

fn delays(source: &mut Reconnect, n: usize, rng: &mut impl FnMut() -> u64) -> Vec<u64> {
    (0..n)
        .map(|i| match source.on_disconnect(i as u64, rng) {
            Action::Retry { delay_ms } => delay_ms,
            other => panic!("expected a retry, got {other:?}"),
        })
        .collect()
}

#[test]
fn backoff_doubles_to_the_cap_then_resets_after_a_healthy_connection() {
    let mut source = no_jitter();
    let mut rng = || 0;
    assert_eq!(source.on_response(200, SSE, 0, &mut rng), Action::Open);
    assert_eq!(source.ready_state(), ReadyState::Open);
    // Drop, then every reconnect fails at once.
    assert_eq!(
        delays(&mut source, 7, &mut rng),
        [3_000, 6_000, 12_000, 24_000, 48_000, 60_000, 60_000]
    );
    assert_eq!(source.ready_state(), ReadyState::Connecting);
    // A connection that lasts the healthy period resets the doubling...
    assert_eq!(source.on_response(200, SSE, 100_000, &mut rng), Action::Open);
    assert_eq!(source.on_disconnect(130_000, &mut rng), Action::Retry { delay_ms: 3_000 });
    // ...one that drops sooner does not.
    assert_eq!(source.on_response(200, SSE, 140_000, &mut rng), Action::Open);
    assert_eq!(source.on_disconnect(140_500, &mut rng), Action::Retry { delay_ms: 6_000 });
}

#[test]
fn server_retry_sets_the_base_and_may_exceed_the_cap() {
    let mut source = no_jitter();
    let mut rng = || 0;
    source.on_response(200, SSE, 0, &mut rng);
    source.set_retry(250);
    assert_eq!(source.reconnection_time_ms(), 250);
    assert_eq!(delays(&mut source, 4, &mut rng), [250, 500, 1_000, 2_000]);

    let mut slow = no_jitter();
    slow.set_retry(120_000);
    assert_eq!(delays(&mut slow, 2, &mut rng), [120_000, 120_000]);
}

#[test]
fn retry_zero_is_honoured_once_then_backs_off() {
    let mut source = no_jitter();
    source.set_retry(0);
    assert_eq!(delays(&mut source, 4, &mut || 0), [0, 200, 400, 800]);
    let mut custom =
        Reconnect::new(ReconnectConfig::DEFAULT.with_jitter_permille(0).with_min_backoff_ms(1_000));
    custom.set_retry(0);
    assert_eq!(delays(&mut custom, 3, &mut || 0), [0, 2_000, 4_000]);
}

#[test]
fn jitter_lengthens_within_bounds_and_is_deterministic_for_a_given_source() {
    let config = ReconnectConfig::DEFAULT.with_jitter_permille(200);
    let mut seq = [7u64, 1_000_000, 599, 12_345].into_iter().cycle();
    let mut rng = move || seq.next().unwrap();
    let mut source = Reconnect::new(config);
    // nominal 3000 (+ up to 600), 6000 (+1200), 12000 (+2400), 24000 (+4800)
    let got = delays(&mut source, 4, &mut rng);
    assert_eq!(got, [3_000 + 7, 6_000 + 1_000_000 % 1_201, 12_000 + 599, 24_000 + 12_345 % 4_801]);
    for (d, nominal) in got.iter().zip([3_000u64, 6_000, 12_000, 24_000]) {
        assert!(*d >= nominal && *d <= nominal + nominal / 5);
    }
    // Jitter never pushes past the cap; at the cap it spreads below it
    // (never below the reconnection time).
    let mut capped = Reconnect::new(config.with_max_delay_ms(3_100));
    let mut seq = [0u64, 50, 400, 599, 10].into_iter().cycle();
    let got = delays(&mut capped, 5, &mut move || seq.next().unwrap());
    assert_eq!(got, [3_000, 3_050, 3_000, 3_000, 3_100 - 10]);
    let mut at_cap = Reconnect::new(config.with_max_delay_ms(60_000));
    let mut n = 0u64;
    let mut rng = move || {
        n += 7_919;
        n
    };
    let late: Vec<u64> = delays(&mut at_cap, 12, &mut rng).split_off(8);
    assert!(late.iter().all(|d| (48_000..=60_000).contains(d)), "{late:?}");
    assert!(late.windows(2).any(|w| w[0] != w[1]), "jitter must still spread at the cap: {late:?}");
}

#[test]
fn huge_values_saturate_instead_of_overflowing() {
    let config = ReconnectConfig::DEFAULT.with_jitter_permille(1_500).with_max_delay_ms(u64::MAX);
    let mut source = Reconnect::new(config);
    source.set_retry(u64::MAX);
    for d in delays(&mut source, 3, &mut || u64::MAX) {
        assert_eq!(d, u64::MAX);
    }
    let mut source = Reconnect::new(config);
    source.set_retry(u64::MAX / 3);
    for d in delays(&mut source, 3, &mut || 12_345) {
        assert!(d >= u64::MAX / 3);
    }
}

#[test]
fn failing_responses_close_for_good() {
    let mut rng = || 0;
    let cases = [
        (204, SSE, FailReason::NoContent),
        (200, Some("text/plain"), FailReason::ContentType),
        (200, None, FailReason::ContentType),
        (404, SSE, FailReason::Status(404)),
        (500, SSE, FailReason::Status(500)),
        (401, None, FailReason::Status(401)),
    ];
    for (status, content_type, reason) in cases {
        let mut source = no_jitter();
        assert_eq!(source.on_response(status, content_type, 0, &mut rng), Action::Fail(reason));
        assert_eq!(source.ready_state(), ReadyState::Closed);
        assert_eq!(source.on_disconnect(10, &mut rng), Action::Fail(FailReason::Closed));
        assert_eq!(source.on_response(200, SSE, 20, &mut rng), Action::Fail(FailReason::Closed));
    }
}

#[test]
fn server_errors_retry_only_when_asked() {
    let mut rng = || 0;
    let mut source = Reconnect::new(
        ReconnectConfig::DEFAULT.with_jitter_permille(0).with_retry_server_errors(true),
    );
    assert_eq!(source.on_response(503, None, 0, &mut rng), Action::Retry { delay_ms: 3_000 });
    assert_eq!(source.on_response(502, None, 0, &mut rng), Action::Retry { delay_ms: 6_000 });
    assert_eq!(source.on_response(404, None, 0, &mut rng), Action::Fail(FailReason::Status(404)));
}

#[test]
fn redirects_are_counted_per_connection() {
    let mut rng = || 0;
    let mut source = Reconnect::new(ReconnectConfig::DEFAULT.with_max_redirects(2));
    assert_eq!(source.on_response(302, None, 0, &mut rng), Action::Redirect);
    assert_eq!(source.on_response(307, None, 0, &mut rng), Action::Redirect);
    assert_eq!(source.on_response(200, SSE, 0, &mut rng), Action::Open);
    // A new connection may redirect twice again.
    source.on_disconnect(1, &mut rng);
    assert_eq!(source.on_response(301, None, 0, &mut rng), Action::Redirect);
    assert_eq!(source.on_response(308, None, 0, &mut rng), Action::Redirect);
    assert_eq!(
        source.on_response(303, None, 0, &mut rng),
        Action::Fail(FailReason::TooManyRedirects)
    );
}

#[test]
fn close_stops_everything() {
    let mut source = no_jitter();
    let mut rng = || 0;
    source.on_response(200, SSE, 0, &mut rng);
    source.close();
    assert_eq!(source.ready_state(), ReadyState::Closed);
    assert_eq!(source.on_disconnect(5, &mut rng), Action::Fail(FailReason::Closed));
}
