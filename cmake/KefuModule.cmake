# kefu_module(NAME name SRCS a.cc b.cc DEPS kefu::core PRIVATE_DEPS fmt::fmt)
# Declares the library kefu_<name> (alias kefu::<name>) whose public headers live in
# src/<name>/include. DEPS are linked PUBLIC (they appear in public headers), PRIVATE_DEPS
# privately. Dependencies between modules point down the layers (see ARCHITECTURE.md).
function(kefu_module)
  cmake_parse_arguments(M "" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(kefu_${M_NAME} STATIC ${M_SRCS})
  add_library(kefu::${M_NAME} ALIAS kefu_${M_NAME})
  target_include_directories(kefu_${M_NAME} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                            PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(kefu_${M_NAME} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
endfunction()

# kefu_test(NAME name SRCS a_test.cc DEPS kefu::core [LABELS unit])
# One GoogleTest binary, registered with ctest test by test.
function(kefu_test)
  cmake_parse_arguments(T "" "NAME" "SRCS;DEPS;LABELS;ENV" ${ARGN})
  add_executable(${T_NAME} ${T_SRCS})
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  gtest_discover_tests(${T_NAME} PROPERTIES LABELS "${T_LABELS}" ENVIRONMENT "${T_ENV}"
                       DISCOVERY_TIMEOUT 60)
endfunction()
