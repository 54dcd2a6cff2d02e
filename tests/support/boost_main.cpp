// The one Boost.Test main shared by every suite; each test executable names
// its master suite with BOOST_TEST_MODULE-free suites below it.
#define BOOST_TEST_MODULE SecureDoc
#include <boost/test/unit_test.hpp>

#include <securedoc/i18n.h>

namespace {
struct I18nFixture {
  I18nFixture() { securedoc::initI18n(); }
};
}  // namespace
BOOST_TEST_GLOBAL_FIXTURE(I18nFixture);
