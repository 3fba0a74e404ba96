//! `uploadFile` (extension) against a real server's file store: a multi-megabyte file streamed with progress events
//! ending at its size, then sent as a file message that the other user receives and downloads intact.

use crate::common;

use azstack_server::testkit::TestServer;
use common::{Peer, Target};
use serde_json::json;

const PUBLIC: &str = "https://files.example.org";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_megabyte_file_is_uploaded_with_progress_and_sent_as_a_file_message() {
    // newMessage takes only public URLs (the original's rule refuses loopback addresses): the links name a public
    // host, as behind a reverse proxy, and the download goes to the server itself with the link's path.
    let server = TestServer::sqlite_with(|c| c.files.as_mut().unwrap().public_url = Some(PUBLIC.into())).await;
    let t = Target::of(&server);
    let mut alice = Peer::login(&t, "alice").await;
    let mut bob = Peer::login(&t, "bob").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clip.bin");
    let data: Vec<u8> = (0..5 * 1024 * 1024 + 123).map(|i: usize| (i * 31 + i / 4099) as u8).collect();
    std::fs::write(&path, &data).unwrap();

    let uploaded = alice
        .ok("uploadFile", json!({"path": path.to_str().unwrap(), "name": "clip.bin", "mimeType": "video/x-test"}))
        .await;
    assert_eq!(uploaded["fileLength"], data.len(), "{uploaded}");
    assert_eq!(uploaded["name"], "clip.bin");
    assert_eq!(uploaded["mimeType"], "video/x-test");
    let url = uploaded["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&format!("{PUBLIC}/files/")), "{url}");

    // Progress: rising, of the whole size, the last one at the total.
    let progress = alice.buffered("onUploadFileProgress");
    assert!(progress.len() >= 10, "about one event per percent or 64 KiB: {}", progress.len());
    let sent: Vec<u64> = progress.iter().map(|p| p["sent"].as_u64().unwrap()).collect();
    assert!(sent.windows(2).all(|w| w[0] < w[1]), "{sent:?}");
    assert!(progress.iter().all(|p| p["total"] == data.len() && p["name"] == "clip.bin"));
    assert_eq!(sent.last().copied(), Some(data.len() as u64));

    // The file message, end to end.
    let file = json!({"name": "clip.bin", "length": data.len(), "type": 3, "url": url});
    let sent = alice.ok("newMessage", json!({"chatType": 1, "chatId": bob.user_id, "file": file})).await;
    assert_eq!(sent["file"]["url"], url);
    let got = bob.event("onHasNewMessage").await;
    assert_eq!(got["file"]["url"], url, "{got}");
    assert_eq!(got["file"]["length"], data.len());
    let local = got["file"]["url"].as_str().unwrap().replacen(PUBLIC, &server.url(), 1);
    let body = reqwest::get(local).await.unwrap().bytes().await.unwrap();
    assert!(body.as_ref() == data.as_slice(), "the downloaded bytes are the file's");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_errors_with_the_servers_reason() {
    let server = TestServer::sqlite_with(|c| c.files.as_mut().unwrap().max_file_bytes = 1000).await;
    let t = Target::of(&server);
    let alice = Peer::new(&t, "alice", json!({}));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");
    std::fs::write(&path, vec![0u8; 5000]).unwrap();
    // No socket is needed: the upload carries the login's token.
    let (code, message) = alice.err("uploadFile", json!({"path": path.to_str().unwrap()})).await;
    assert_eq!(code, "ERR_UNEXPECTED_RECEIVED_DATA");
    assert!(message.contains("413") && message.contains("1000 bytes"), "{message}");
    let (code, _) = alice.err("uploadFile", json!({"path": dir.path().join("missing").to_str().unwrap()})).await;
    assert_eq!(code, "ERR_UNEXPECTED_DATA");
    let (code, _) = alice.err("uploadFile", json!({"uri": "content://x"})).await;
    assert_eq!(code, "ERR_UNEXPECTED_SEND_DATA");
    server.shutdown().await;
}
