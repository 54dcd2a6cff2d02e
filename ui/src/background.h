#pragma once
// Threads whose results the window may abandon: a verification left behind
// by Cancel, the page renderings of a report that was closed.  The libraries
// cannot be interrupted mid-file, so each such thread runs to its end;
// nobody waits for it until the window goes away, when joinBackground()
// does (MainFrame's destructor, App::OnExit), so no thread outlives the
// objects it uses.  GUI thread only.
#include <atomic>
#include <functional>
#include <memory>
#include <thread>

namespace securedoc::ui {

/// Runs `work` on a thread of its own, joined at the latest by joinBackground().
void startBackground(std::function<void()> work);
/// Takes over a running thread its owner no longer waits for; `finished`
/// turns true when it has (nearly) ended, so it can be joined early.
void adoptBackground(std::thread thread, std::shared_ptr<std::atomic<bool>> finished);
/// Threads started or adopted and not yet joined.
std::size_t backgroundThreads();
/// Waits for every such thread.
void joinBackground();

}  // namespace securedoc::ui
