#include "chokepoint/app/output.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace chokepoint {

namespace fs = std::filesystem;

namespace {

/// A file written through a temporary file in the same directory, renamed into place by commit();
/// removed if never committed, so that a failed or interrupted run leaves no half-written file.
class AtomicFile {
 public:
  explicit AtomicFile(const fs::path& path) : path_(path) {
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    std::error_code ec;
    if (fs::is_directory(path, ec)) throw OutputError(path.string() + ": is a directory");
    tmp_ = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
    fd_ = ::mkstemp(tmp_.data());
    if (fd_ < 0) throw OutputError(path.string() + ": cannot create a file in " + dir.string() + ": " + std::strerror(errno));
  }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(tmp_.c_str());
  }

  void write(std::string_view content) {
    std::size_t written = 0;
    while (written < content.size()) {
      const ssize_t n = ::write(fd_, content.data() + written, content.size() - written);
      if (n < 0) {
        if (errno == EINTR) continue;
        fail("write failed");
      }
      written += static_cast<std::size_t>(n);
    }
  }

  void commit() {
    // mkstemp creates 0600; give the file the usual permissions under the umask.
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd_, 0666 & ~mask);
    if (::fsync(fd_) != 0) fail("fsync failed");
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw OutputError(path_.string() + ": close failed");
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
      throw OutputError(path_.string() + ": rename failed: " + std::strerror(errno));
    }
    committed_ = true;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw OutputError(path_.string() + ": " + what + ": " + std::strerror(errno));
  }

  fs::path path_;
  std::string tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace

void write_file_atomic(const fs::path& path, std::string_view content) {
  AtomicFile file(path);
  file.write(content);
  file.commit();
}

void write_directory_atomic(const fs::path& dir, const std::vector<std::pair<std::string, std::string>>& files) {
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) throw OutputError(dir.string() + ": exists and is not a directory");
    if (!fs::is_empty(dir, ec)) throw OutputError(dir.string() + ": directory is not empty; remove it or choose another");
  }
  const fs::path target = dir.filename().empty() ? dir.parent_path() : dir;
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string tmpl = (parent / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw OutputError(dir.string() + ": cannot create a directory in " + parent.string() + ": " + std::strerror(errno));
  }
  const fs::path tmp(tmpl);
  try {
    for (const auto& [name, content] : files) write_file_atomic(tmp / name, content);
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::chmod(tmp.c_str(), 0777 & ~mask);
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
      throw OutputError(dir.string() + ": rename failed: " + std::strerror(errno));
    }
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

void emit(const std::string& path, std::string_view content) {
  if (path.empty() || path == "-") {
    std::fwrite(content.data(), 1, content.size(), stdout);
    std::fflush(stdout);
    return;
  }
  write_file_atomic(path, content);
}

void emit_pieces(const std::string& path, const std::function<void(const PieceSink&)>& write) {
  if (path.empty() || path == "-") {
    write([](std::string_view piece) { std::fwrite(piece.data(), 1, piece.size(), stdout); });
    std::fflush(stdout);
    return;
  }
  AtomicFile file(path);
  write([&](std::string_view piece) { file.write(piece); });
  file.commit();
}

bool is_terminal(int fd) { return ::isatty(fd) == 1; }

bool use_color(ColorMode mode, int fd) {
  if (mode == ColorMode::never) return false;
  if (mode == ColorMode::always) return true;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* force = std::getenv("CLICOLOR_FORCE");
  if (force && *force && std::strcmp(force, "0") != 0) return true;
  const char* term = std::getenv("TERM");
  if (term && std::strcmp(term, "dumb") == 0) return false;
  return is_terminal(fd);
}

}  // namespace chokepoint
