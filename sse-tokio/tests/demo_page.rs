//! The demo page in a real browser (headless Chromium driven over the
//! DevTools protocol), served over HTTPS and HTTP/2 by `sse_tokio::demo`:
//! live events with their ids, the rate, the chart, the connection state;
//! the cut button and the resume with nothing lost; a reload that resumes
//! from the id kept in `localStorage`; the note when the id is no longer
//! kept.

mod support;

use std::time::Duration;

use sse_tokio::demo::{serve_with, DemoConfig};
use sse_tokio::ServerTls;
use support::cdp::{chromium, Page};
use tokio::net::TcpListener;

/// Tick numbers of the events listed on the page, oldest first (the ids
/// are the hub's `<ms>-<seq>`; the ticks count 1, 2, 3…).
const IDS: &str =
    "[...document.querySelectorAll('li[data-n]')].map(li => Number(li.dataset.n)).reverse()";

fn consecutive(ids: &serde_json::Value) -> bool {
    let ids: Vec<i64> = ids.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    !ids.is_empty() && ids.windows(2).all(|w| w[1] == w[0] + 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_page_shows_the_stream_and_resumes_after_a_cut_and_a_reload() {
    let Some(chromium) = chromium() else {
        assert!(std::env::var_os("CI").is_none(), "CI must install chromium for the browser test");
        eprintln!("NOTICE: chromium not found; browser test not run (install Debian's `chromium`)");
        return;
    };
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let tls = ServerTls::from_pem(
        generated.cert.pem().as_bytes(),
        generated.signing_key.serialize_pem().as_bytes(),
    )
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = DemoConfig { period: Duration::from_millis(100), tls: Some(tls) };
    let serving = tokio::spawn(serve_with(listener, config, async {
        let _ = stopped.await;
    }));

    let url = format!("https://localhost:{port}/");
    let mut page = Page::open(chromium, &url, &["--ignore-certificate-errors"]).await;
    page.wait_for("five events", "Number(document.getElementById('count').textContent) >= 5").await;
    assert_eq!(page.eval("document.getElementById('state').textContent").await, "open");
    assert_eq!(page.eval("document.getElementById('protocol').textContent").await, "h2");
    assert!(consecutive(&page.eval(IDS).await), "ids listed in order");
    page.wait_for("a rate", "parseFloat(document.getElementById('rate').textContent) > 0").await;
    page.wait_for("a chart", "values.length >= 5").await;
    let painted = "(() => { const c = document.getElementById('chart'); \
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; \
        for (let i = 3; i < d.length; i += 4) if (d[i]) return true; return false; })()";
    assert_eq!(page.eval(painted).await, true, "the chart is drawn");

    // Cut: the server ends the stream; the browser reconnects with
    // Last-Event-ID and the hub replays what it missed.
    let before = page.eval("previous").await;
    page.eval("document.getElementById('cut').click()").await;
    page.wait_for("a reconnect", "document.getElementById('reconnects').textContent === '1'").await;
    let after = format!("previous > {before} + 5");
    page.wait_for("events after the cut", &after).await;
    assert_eq!(page.eval("document.getElementById('lost').textContent").await, "0");
    assert!(consecutive(&page.eval(IDS).await), "nothing lost or repeated across the cut");

    // Reload: the page resumes from the id it kept (events keep arriving
    // until the page unloads, so the id it kept is the one it names when
    // it loads again).
    let before = page.eval("Number(localStorage.getItem('sse-demo-last-id-n'))").await;
    let before = before.as_i64().unwrap();
    // `reload` returns before the old document goes: mark it, so that the
    // waits below cannot be met by the page being left.
    page.eval("window.leaving = true; location.reload()").await;
    page.wait_for(
        "events after the reload",
        "!window.leaving && document.querySelectorAll('li[data-id]').length >= 3",
    )
    .await;
    let loaded = "[...document.querySelectorAll('li.mark')]\
        .find(li => li.textContent.startsWith('page loaded')).textContent";
    let kept = page.eval(loaded).await;
    let kept = kept.as_str().unwrap().trim_end_matches(')');
    let kept: i64 = kept.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(kept >= before, "the page kept its last id ({kept}, at least {before})");
    let ids = page.eval(IDS).await;
    assert!(consecutive(&ids), "{ids}");
    let first = ids[0].as_i64().unwrap();
    assert_eq!(first, kept + 1, "resumed right after the kept id {kept}, nothing lost");

    // An id the server no longer keeps: the page says so.
    page.eval(
        "localStorage.setItem('sse-demo-last-id', '999999999'); \
         window.leaving = true; location.reload()",
    )
    .await;
    page.wait_for(
        "the reset note",
        "!window.leaving && document.getElementById('note').textContent.includes('no longer keeps')",
    )
    .await;
    page.wait_for(
        "live events after the reset",
        "document.querySelectorAll('li[data-id]').length >= 2",
    )
    .await;

    drop(page);
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), serving).await;
}
