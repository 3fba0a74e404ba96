#include "Processes.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "HostFunction.h"

extern char** environ;

namespace azstack::host {

namespace {

std::vector<std::string> stringsOf(jsi::Runtime& rt, const jsi::Value& value) {
  if (!value.isObject() || !value.getObject(rt).isArray(rt)) {
    throw jsi::JSError(rt, "host.spawn(argv): argv must be a non-empty array of strings");
  }
  jsi::Array array = value.getObject(rt).getArray(rt);
  std::vector<std::string> out;
  for (size_t i = 0; i < array.size(rt); i++) {
    jsi::Value item = array.getValueAtIndex(rt, i);
    if (!item.isString()) {
      throw jsi::JSError(rt, "host.spawn(argv): argv must be a non-empty array of strings");
    }
    out.push_back(item.getString(rt).utf8(rt));
  }
  if (out.empty()) {
    throw jsi::JSError(rt, "host.spawn(argv): argv must be a non-empty array of strings");
  }
  return out;
}

pid_t pidOf(jsi::Runtime& rt, const jsi::Value* args, size_t count, const char* name) {
  if (count < 1 || !args[0].isNumber()) {
    throw jsi::JSError(rt, std::string("host.") + name + "(pid): pid must be a number from host.spawn");
  }
  return static_cast<pid_t>(args[0].getNumber());
}

}  // namespace

Processes::~Processes() {
  for (pid_t pid : running_) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
}

void Processes::install(jsi::Runtime& rt, jsi::Object& host) {
  host.setProperty(
      rt, "spawn", hostFunction(rt, "spawn", 2, [this](jsi::Runtime& rt, const jsi::Value&, const jsi::Value* args,
                                                        size_t count) {
        if (count < 1) {
          throw jsi::JSError(rt, "host.spawn(argv): argv must be a non-empty array of strings");
        }
        std::vector<std::string> argv = stringsOf(rt, args[0]);
        std::string cwd;
        if (count >= 2 && args[1].isObject()) {
          jsi::Value dir = args[1].getObject(rt).getProperty(rt, "cwd");
          if (dir.isString()) {
            cwd = dir.getString(rt).utf8(rt);
          }
        }
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        if (!cwd.empty()) {
          posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
        }
        std::vector<char*> raw;
        for (std::string& a : argv) {
          raw.push_back(a.data());
        }
        raw.push_back(nullptr);
        pid_t pid = 0;
        int error = posix_spawnp(&pid, raw[0], &actions, nullptr, raw.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        if (error != 0) {
          throw jsi::JSError(rt, "host.spawn: cannot start " + argv[0] + ": " + std::strerror(error));
        }
        running_.insert(pid);
        return jsi::Value(static_cast<double>(pid));
      }));
  host.setProperty(rt, "poll", hostFunction(rt, "poll", 1, [this](jsi::Runtime& rt, const jsi::Value&,
                                                                  const jsi::Value* args, size_t count) {
                     pid_t pid = pidOf(rt, args, count, "poll");
                     if (running_.count(pid) == 0) {
                       throw jsi::JSError(rt, "host.poll(pid): not a running child of host.spawn");
                     }
                     int status = 0;
                     pid_t done = waitpid(pid, &status, WNOHANG);
                     if (done == 0) {
                       return jsi::Value::null();
                     }
                     running_.erase(pid);
                     if (done < 0) {
                       return jsi::Value(-1);
                     }
                     if (WIFEXITED(status)) {
                       return jsi::Value(WEXITSTATUS(status));
                     }
                     return jsi::Value(128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0));
                   }));
  host.setProperty(rt, "kill", hostFunction(rt, "kill", 1, [this](jsi::Runtime& rt, const jsi::Value&,
                                                                  const jsi::Value* args, size_t count) {
                     pid_t pid = pidOf(rt, args, count, "kill");
                     return jsi::Value(running_.count(pid) != 0 && kill(pid, SIGTERM) == 0);
                   }));
}

}  // namespace azstack::host
