// Running part of a test as an unprivileged user. Tests run as root in CI, and root reads a file
// whatever its permission bits say, so a permission-denied case needs another user to mean
// anything.
#pragma once

#include <grp.h>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace lingbi::test {

// While alive, the whole process (every thread, as glibc applies set*id calls to all of them)
// acts as user `nobody` with group `nogroup` and no supplementary groups; the real and saved
// ids stay root's, so the destructor gets root back. Does nothing when not started as root (the
// test already runs unprivileged).
class AsNobody {
 public:
  AsNobody() {
    if (::geteuid() != 0) return;
    const passwd* user = ::getpwnam("nobody");
    if (user == nullptr) throw std::runtime_error("user nobody does not exist: create it to run this test as root");
    uid_ = user->pw_uid;
    gid_ = user->pw_gid;
    const int n = ::getgroups(0, nullptr);
    groups_.resize(n > 0 ? n : 0);
    if (n > 0 && ::getgroups(n, groups_.data()) != n) throw std::runtime_error("getgroups failed");
    if (::setgroups(0, nullptr) != 0 || ::setegid(gid_) != 0 || ::seteuid(uid_) != 0)
      throw std::runtime_error("cannot switch to user nobody");
    active_ = true;
  }
  ~AsNobody() {
    if (!active_) return;
    if (::seteuid(0) != 0 || ::setegid(0) != 0 || ::setgroups(groups_.size(), groups_.data()) != 0) std::terminate();
  }
  AsNobody(const AsNobody&) = delete;
  AsNobody& operator=(const AsNobody&) = delete;

  // Hands `path` (a folder the test made) to the user this scope runs as, so it can write there.
  static void give_to_nobody(const std::filesystem::path& path) {
    if (::geteuid() != 0) return;
    const passwd* user = ::getpwnam("nobody");
    if (user == nullptr || ::chown(path.c_str(), user->pw_uid, user->pw_gid) != 0)
      throw std::runtime_error("cannot give " + path.string() + " to user nobody");
  }

 private:
  bool active_ = false;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  std::vector<gid_t> groups_;
};

}  // namespace lingbi::test
