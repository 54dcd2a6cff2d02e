# Warnings for our own targets (never for third-party code).  Not
#: GCC 12 reports false positives inside libstdc++'s
# vector<string> reallocation at -O2.
function(securedoc_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
    -Wconversion -Wno-sign-conversion -Wformat=2)
  if(SECUREDOC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(SECUREDOC_SANITIZE OR SECUREDOC_FUZZ)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(SECUREDOC_FUZZ)
  # Coverage instrumentation for our libraries too, not just the harnesses:
  # without it libFuzzer mutates blind.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
