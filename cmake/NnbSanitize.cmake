# SPDX-License-Identifier: MIT
# NNB_SANITIZE=address,undefined (or any list the compiler accepts) instruments everything built here.
if(NNB_SANITIZE)
  add_compile_options(-fsanitize=${NNB_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${NNB_SANITIZE})
endif()
