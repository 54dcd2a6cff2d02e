# Warnings for our own targets (never for third-party code).
function(securedoc_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
    -Wconversion -Wno-sign-conversion -Wnull-dereference -Wformat=2)
  if(SECUREDOC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(SECUREDOC_SANITIZE OR SECUREDOC_FUZZ)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
