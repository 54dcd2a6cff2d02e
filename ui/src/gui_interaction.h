#pragma once
// Interaction for the window: secrets are asked with modal dialogs on the
// GUI thread, also when the signing job on a worker thread asks; progress
// goes to a callback on the GUI thread; Cancel sets a flag the job polls.
#include <securedoc/crypto/signer.h>

#include <wx/window.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace securedoc::ui {

class GuiInteraction final : public Interaction {
 public:
  using ProgressFn = std::function<void(std::size_t done, std::size_t total, const std::string& item)>;
  GuiInteraction(wxWindow* parent, ProgressFn progress = {});
  ~GuiInteraction() override;

  std::string askSecret(Secret kind, const std::string& what) override;
  void progress(std::size_t done, std::size_t total, const std::string& item) override;
  bool cancelled() override { return m_cancel->load(); }

  /// From the GUI thread: the job stops at its next check.
  void cancel() { m_cancel->store(true); }
  void reset() { m_cancel->store(false); }
  /// The GUI is going away: secrets asked from now on are declined.
  void detach();

 private:
  std::string askOnGuiThread(Secret kind, const std::string& what);
  wxWindow* m_parent;
  ProgressFn m_progress;
  std::shared_ptr<std::atomic<bool>> m_cancel = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::atomic<bool>> m_detached = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace securedoc::ui
