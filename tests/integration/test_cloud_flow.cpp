// Placeholder until the issue-6 work lands.
#include <boost/test/unit_test.hpp>

BOOST_AUTO_TEST_CASE(placeholder) { BOOST_TEST(true); }
