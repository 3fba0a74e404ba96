// Processes: child processes a host script starts, for tests whose other party is a program (e.g. SIPp playing a
// telephone carrier).
//
//   host.spawn(argv, {cwd?})  → pid; argv[0] is looked up in PATH; stdin and stdout are /dev/null (a program's
//                               screen would mix with the test's output), stderr is inherited
//   host.poll(pid)           → the exit code once the child ended (128 + signal if killed), else null
//   host.kill(pid)           → sends SIGTERM; true if the child was still running
//
// `poll` never blocks, so a script waits for a child with a timer and its own deadline. Children still running when
// the host exits are killed and reaped.
#pragma once

#include <jsi/jsi.h>

#include <sys/types.h>

#include <set>

namespace azstack::host {

namespace jsi = facebook::jsi;

class Processes {
 public:
  Processes() = default;
  ~Processes();
  Processes(const Processes&) = delete;
  Processes& operator=(const Processes&) = delete;

  // Defines spawn, poll and kill on the `host` object.
  void install(jsi::Runtime& rt, jsi::Object& host);

 private:
  std::set<pid_t> running_;
};

}  // namespace azstack::host
