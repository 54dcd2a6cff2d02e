// securedoc: the desktop window (issue 7).  Everything is in ui/.
#include <securedoc/ui/app.h>

int main(int argc, char** argv) { return securedoc::ui::runApp(argc, argv); }
