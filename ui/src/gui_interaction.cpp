#include "gui_interaction.h"

#include "secret_dialogs.h"

#include <securedoc/base/error.h>
#include <securedoc/i18n.h>

#include <wx/app.h>
#include <wx/thread.h>

#include <future>

namespace securedoc::ui {

GuiInteraction::GuiInteraction(wxWindow* parent, ProgressFn progress)
    : m_parent(parent), m_progress(std::move(progress)) {}

GuiInteraction::~GuiInteraction() {
  detach();
  forgetPrimed();
}

void GuiInteraction::detach() { m_detached->store(true); }

SecretString GuiInteraction::askOnGuiThread(Secret kind, const std::string& what) {
  const wxString label = wxString::FromUTF8(what);
  if (kind == Secret::Otp) {
    OtpDialog dialog(m_parent, label);
    if (dialog.ShowModal() != wxID_OK) throw Error(Category::Cancelled, tr("signing was cancelled"));
    return dialog.takeValue();
  }
  SecretDialog dialog(m_parent, kind == Secret::Pin ? SecretDialog::Kind::Pin : SecretDialog::Kind::Password, label);
  if (dialog.ShowModal() != wxID_OK) throw Error(Category::Cancelled, tr("signing was cancelled"));
  return dialog.takeValue();
}

void GuiInteraction::prime(Secret kind, SecretString value) {
  std::lock_guard lock(m_primedMutex);
  m_primed.emplace(kind, std::move(value));
}

void GuiInteraction::forgetPrimed() {
  std::lock_guard lock(m_primedMutex);
  m_primed.reset();
}

std::optional<std::pair<Interaction::Secret, SecretString>> GuiInteraction::takePrimed(Secret kind) {
  std::lock_guard lock(m_primedMutex);
  if (!m_primed || m_primed->first != kind) return std::nullopt;
  auto out = std::move(m_primed);
  m_primed.reset();
  return out;
}

SecretString GuiInteraction::askSecret(Secret kind, const std::string& what) {
  if (m_detached->load()) throw Error(Category::Cancelled, tr("signing was cancelled"));
  if (auto primed = takePrimed(kind)) return std::move(primed->second);
  if (wxIsMainThread()) return askOnGuiThread(kind, what);
  // From the worker: the dialog runs on the GUI thread, the worker waits.
  auto answer = std::make_shared<std::promise<SecretString>>();
  std::future<SecretString> result = answer->get_future();
  auto detached = m_detached;
  wxTheApp->CallAfter([this, answer, detached, kind, what] {
    try {
      if (detached->load()) throw Error(Category::Cancelled, tr("signing was cancelled"));
      answer->set_value(askOnGuiThread(kind, what));
    } catch (...) {
      answer->set_exception(std::current_exception());
    }
  });
  return result.get();
}

void GuiInteraction::progress(std::size_t done, std::size_t total, const std::string& item) {
  if (!m_progress) return;
  if (wxIsMainThread()) {
    m_progress(done, total, item);
    return;
  }
  auto detached = m_detached;
  auto fn = m_progress;
  wxTheApp->CallAfter([fn, detached, done, total, item] {
    if (!detached->load()) fn(done, total, item);
  });
}

}  // namespace securedoc::ui
