// azstack-jsi-host [--timeout SECONDS] [--production] FILE.js
//
// Runs one JavaScript file (a bundle made by scripts/jsi-run) on JavaScriptCore with the NativeAZStack TurboModule,
// and exits with its code: host.exit(code), 0 when nothing is left to do, 1 after an uncaught error or an unhandled
// promise rejection, 124 on timeout, 2 on a usage error.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

#include "Host.h"
#include "azstack-ffi/src/lib.rs.h"

namespace {

int usage(const char* message) {
  std::fprintf(stderr, "azstack-jsi-host: %s\nusage: azstack-jsi-host [--timeout SECONDS] [--production] FILE.js\n",
               message);
  return 2;
}

// Threads of the engines' runtime still alive (after azstack-ffi's shutdown there must be none).
int engineThreads() {
  int count = 0;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* entry = readdir(dir)) {
      std::ifstream comm(std::string("/proc/self/task/") + entry->d_name + "/comm");
      std::string name;
      if (entry->d_name[0] != '.' && std::getline(comm, name) && name.rfind("azstack-worker", 0) == 0) {
        count++;
      }
    }
    closedir(dir);
  }
  return count;
}

// Ends the process if the JS thread is stuck in synchronous code past the deadline (the loop cannot interrupt it).
class Watchdog {
 public:
  explicit Watchdog(double seconds)
      : thread_([this, seconds] {
          std::unique_lock<std::mutex> lock(mutex_);
          auto limit = std::chrono::duration<double>(seconds + 5);
          if (!done_.wait_for(lock, limit, [this] { return finished_; })) {
            std::fprintf(stderr, "azstack-jsi-host: timed out (the script did not yield)\n");
            std::fflush(stderr);
            _exit(124);
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      finished_ = true;
    }
    done_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  bool finished_ = false;
  std::thread thread_;
};

}  // namespace

int main(int argc, char** argv) {
  double timeout = 60;
  bool production = false;
  const char* file = nullptr;
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
      char* end = nullptr;
      timeout = std::strtod(argv[++i], &end);
      if (!end || *end != '\0' || !(timeout > 0)) {
        return usage("--timeout needs a positive number of seconds");
      }
    } else if (std::strcmp(argv[i], "--production") == 0) {
      production = true;
    } else if (argv[i][0] == '-' || file) {
      return usage((std::string("unexpected argument ") + argv[i]).c_str());
    } else {
      file = argv[i];
    }
  }
  if (!file) {
    return usage("no script given");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return usage((std::string("cannot read ") + file).c_str());
  }
  std::stringstream source;
  source << in.rdbuf();

  int code = 0;
  {
    Watchdog watchdog(timeout);
    try {
      azstack::host::Host host(timeout, production);
      code = host.run(source.str(), file);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "azstack-jsi-host: %s\n", e.what());
      code = 1;
    }
    // Every engine is destroyed by now; wait for their shutdowns and stop the engines' runtime.
    if (!azstack::ffi::shutdown(5000)) {
      std::fprintf(stderr, "azstack-jsi-host: the engines did not shut down within 5 s\n");
      code = code == 0 ? 1 : code;
    }
  }
  if (int left = engineThreads(); left > 0) {
    std::fprintf(stderr, "azstack-jsi-host: %d engine thread(s) still running after shutdown\n", left);
    code = code == 0 ? 1 : code;
  }
  std::fflush(stdout);
  return code;
}
