#pragma once
// Interaction for the window: secrets are asked with modal dialogs on the
// GUI thread, also when the signing job on a worker thread asks; progress
// goes to a callback on the GUI thread; Cancel sets a flag the job polls.
#include <securedoc/crypto/signer.h>

#include <wx/window.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace securedoc::ui {

class GuiInteraction final : public Interaction {
 public:
  using ProgressFn = std::function<void(std::size_t done, std::size_t total, const std::string& item)>;
  GuiInteraction(wxWindow* parent, ProgressFn progress = {});
  ~GuiInteraction() override;

  SecretString askSecret(Secret kind, const std::string& what) override;
  void progress(std::size_t done, std::size_t total, const std::string& item) override;
  bool cancelled() override { return m_cancel->load(); }

  /// From the GUI thread: the job stops at its next check.
  void cancel() { m_cancel->store(true); }
  void reset() { m_cancel->store(false); }
  /// The GUI is going away: secrets asked from now on are declined.
  void detach();
  /// A secret the person already typed (the cloud sign-in dialog's
  /// password): the next askSecret of this kind returns it instead of
  /// showing a dialog.  Used once, then wiped.
  void prime(Secret kind, SecretString value);
  /// Drops a primed secret that was not used (wiped).
  void forgetPrimed();

 private:
  SecretString askOnGuiThread(Secret kind, const std::string& what);
  std::optional<std::pair<Secret, SecretString>> takePrimed(Secret kind);
  wxWindow* m_parent;
  ProgressFn m_progress;
  std::shared_ptr<std::atomic<bool>> m_cancel = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::atomic<bool>> m_detached = std::make_shared<std::atomic<bool>>(false);
  std::mutex m_primedMutex;
  std::optional<std::pair<Secret, SecretString>> m_primed;
};

}  // namespace securedoc::ui
