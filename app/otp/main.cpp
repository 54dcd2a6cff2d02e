// securedoc-otp placeholder (issue 6 in progress).
#include <cstdio>
int main() {
  std::fputs("securedoc-otp: not built yet\n", stderr);
  return 70;
}
