// securedoc-cloud placeholder (issue 6 in progress).
#include <cstdio>
int main() {
  std::fputs("securedoc-cloud: not built yet\n", stderr);
  return 70;
}
