//! The HTTP listeners: the accept loop, one hyper HTTP/1 connection per accepted socket, WebSocket upgrades.
//!
//! `axum::serve` is not used because it offers none of what a public listener needs: every accepted socket gets
//! `TCP_NODELAY` (a small reply or push must not wait for the client's ACK of the previous one — Nagle's algorithm
//! against delayed ACKs made send→ack wait for the sender's next message); the whole HTTP request head must arrive
//! within `http_header_timeout_secs`; every response but a WebSocket upgrade carries `Connection: close` (the only
//! long-lived connections are WebSockets, so no HTTP connection idles between requests); an accept that fails for want of file descriptors sheds an unauthenticated
//! connection and is retried shortly instead of failing in a loop.
//!
//! On the clients' listener each socket is registered with [`Admission`] and wrapped in a [`Tracked`] stream that
//! counts the bytes written (the slow-consumer bound) and can be killed from outside. Long-polling is refused
//! before it reaches Engine.IO: the original SDK and the engine both use WebSocket only (PROTOCOL.md §1.1).

use std::convert::Infallible;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::admission::{Admission, Conn};
use crate::metrics::Metrics;

/// How long the accept loop pauses after an accept error (descriptors exhausted, say).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);

/// Which listener: the clients' one (admission, polling refused) or the admin one.
#[derive(Clone)]
pub enum Kind {
    Clients { admission: Arc<Admission>, metrics: Arc<Metrics> },
    Admin,
}

/// Serves `router` on `listener` until `stop` is cancelled.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    kind: Kind,
    header_timeout: Duration,
    stop: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = stop.cancelled() => return,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(error) => {
                if let Kind::Clients { admission, metrics } = &kind {
                    Metrics::inc(&metrics.accept_errors);
                    admission.shed_oldest(metrics);
                }
                tracing::debug!(%error, "accept failed");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let stop = stop.clone();
        match &kind {
            Kind::Clients { admission, metrics } => {
                let ip = canonical(peer.ip());
                let Some(conn) = admission.admit(ip, metrics) else {
                    tracing::debug!(%peer, "too many unauthenticated connections from this address; refused");
                    continue;
                };
                let io = Tracked { stream, conn: conn.clone(), admission: admission.clone() };
                let metrics = metrics.clone();
                let router = router.clone();
                let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
                    let refused = is_polling(&req);
                    req.extensions_mut().insert(conn.clone());
                    let router = router.clone();
                    let metrics = metrics.clone();
                    async move {
                        if refused {
                            Metrics::inc(&metrics.polling_refused);
                            return Ok::<_, Infallible>(close_unless_upgrade(plain(
                                StatusCode::BAD_REQUEST,
                                "WebSocket only",
                            )));
                        }
                        router.oneshot(req.map(Body::new)).await.map(close_unless_upgrade)
                    }
                });
                tokio::spawn(serve_connection(io, service, header_timeout, stop));
            }
            Kind::Admin => {
                let router = router.clone();
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let router = router.clone();
                    async move { router.oneshot(req.map(Body::new)).await.map(close_unless_upgrade) }
                });
                tokio::spawn(serve_connection(stream, service, header_timeout, stop));
            }
        }
    }
}

async fn serve_connection<I, S>(io: I, service: S, header_timeout: Duration, stop: CancellationToken)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::Service<Request<Incoming>, Response = Response<Body>, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
{
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::select! {
        result = conn => {
            if let Err(error) = result {
                tracing::debug!(%error, "http connection ended");
            }
        }
        () = stop.cancelled() => {}
    }
}

/// `GET /socket.io/?…transport=polling…`: Engine.IO long-polling, refused.
fn is_polling(req: &Request<Incoming>) -> bool {
    req.uri().path().starts_with("/socket.io") && req.uri().query().is_some_and(|q| q.contains("transport=polling"))
}

/// One request per HTTP connection: hyper closes it after a response that says `Connection: close`.
fn close_unless_upgrade(mut response: Response<Body>) -> Response<Body> {
    if response.status() != StatusCode::SWITCHING_PROTOCOLS {
        response.headers_mut().insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
    }
    response
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = status;
    response
}

/// An IPv4 address seen through an IPv6 socket counts as the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// A client's TCP stream: counts the bytes written, fails once its connection is killed, and tells [`Admission`]
/// when it is dropped (its descriptor closed).
struct Tracked {
    stream: TcpStream,
    conn: Arc<Conn>,
    admission: Arc<Admission>,
}

fn killed() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionAborted, "connection shed by the server")
}

impl AsyncRead for Tracked {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.conn.read_waker().register(cx.waker());
        if self.conn.is_killed() {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.conn.write_waker().register(cx.waker());
        if self.conn.is_killed() {
            return Poll::Ready(Err(killed()));
        }
        let written = Pin::new(&mut self.stream).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &written {
            self.conn.add_written(*n);
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.conn.is_killed() {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.admission.closed(&self.conn);
    }
}
