#include "background.h"

#include <vector>

namespace securedoc::ui {

namespace {

struct Entry {
  std::thread thread;
  std::shared_ptr<std::atomic<bool>> finished;
};

std::vector<Entry>& entries() {
  static std::vector<Entry> list;  // GUI thread only
  return list;
}

/// Joins the threads that have ended (their last step is setting the flag).
void reap() {
  auto& list = entries();
  for (auto it = list.begin(); it != list.end();) {
    if (it->finished->load()) {
      if (it->thread.joinable()) it->thread.join();
      it = list.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace

void startBackground(std::function<void()> work) {
  reap();
  auto finished = std::make_shared<std::atomic<bool>>(false);
  std::thread t([work = std::move(work), finished] {
    try {
      work();
    } catch (...) {
      // A background task reports its own errors; nothing may escape a thread.
    }
    finished->store(true);
  });
  entries().push_back(Entry{std::move(t), std::move(finished)});
}

void adoptBackground(std::thread thread, std::shared_ptr<std::atomic<bool>> finished) {
  reap();
  if (!thread.joinable()) return;
  entries().push_back(Entry{std::move(thread), std::move(finished)});
}

std::size_t backgroundThreads() {
  reap();
  return entries().size();
}

void joinBackground() {
  auto& list = entries();
  for (auto& e : list) {
    if (e.thread.joinable()) e.thread.join();
  }
  list.clear();
}

}  // namespace securedoc::ui
