// MediaProbes: what the host's scripts can see of call media, without a screen or a speaker.
//
//   host.videoStats(streamURL)       → {frames, width, height, fps, counter, black, cameraType}
//   host.snapshot(streamURL, path)   → writes the latest frame as PNG; {width, height, counter, black, cameraType}
//   host.audioStats(core)            → {packetsReceived, level, loudPackets, silentPackets} of one AZStackCore
//   host.callResources()             → {peerConnections, tracks, tasks, frameSinks} alive in the process
//   host.audioRoute()                → 'speaker' | 'earpiece' | 'none': where call audio plays (setSpeakerphoneOn)
//   host.interruptAudio(bool)        → an audio-session interruption begins (true) or ends (false), as on a phone
//
// A video probe is a renderer like a phone's video view: the first `videoStats`/`snapshot` call for a stream URL
// attaches it through the shared FrameRegistry (cpp/FrameRegistry.h, the path the Android and iOS views take) and it
// keeps the newest frame with LatestFrame (cpp/LatestFrame.h). Counts start at that first call, as a view's would
// when it mounts; the URL may name a stream that does not exist yet. `counter`, `black` and `cameraType` read the
// synthetic test pattern in the newest frame (see the engine's media::synthetic).
#pragma once

#include <jsi/jsi.h>

#include <map>
#include <memory>
#include <string>

namespace azstack::host {

namespace jsi = facebook::jsi;

class VideoProbe;

class MediaProbes {
 public:
  MediaProbes() = default;
  ~MediaProbes();
  MediaProbes(const MediaProbes&) = delete;
  MediaProbes& operator=(const MediaProbes&) = delete;

  // Defines the functions above on the `host` object.
  void install(jsi::Runtime& rt, jsi::Object& host);
  // Detaches every probe (before the engines go away). Idempotent.
  void detachAll();

 private:
  VideoProbe& probe(const std::string& url);

  std::map<std::string, std::shared_ptr<VideoProbe>> probes_;
};

}  // namespace azstack::host
