// Being written (issue 4): registered so that the tree builds.
#include <boost/test/unit_test.hpp>
#include "test_support.h"
BOOST_AUTO_TEST_CASE(the_cli_exists) { BOOST_TEST(std::filesystem::exists(securedoc::test::cliPath())); }
