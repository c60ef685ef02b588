# Runs cmake/CheckIncludes.cmake on a small tree with one file of each kind of wrong include and
# asserts that it fails and names each offending line, and that it passes once they are gone.
#   cmake -DROOT=<lingbi source tree> -DWORK=<scratch folder> -P structure_check_test.cmake
file(REMOVE_RECURSE ${WORK})
file(COPY ${ROOT}/cmake/Modules.cmake ${ROOT}/cmake/CheckIncludes.cmake DESTINATION ${WORK}/cmake)
file(WRITE ${WORK}/include/lingbi/util/error.h "#pragma once\n")
file(WRITE ${WORK}/include/lingbi/compose/compose.h "#pragma once\n#include \"lingbi/util/error.h\"\n")
file(WRITE ${WORK}/include/lingbi/gallery/gallery.h "#pragma once\n")
file(WRITE ${WORK}/src/gallery/catalog.h "#pragma once\n")
file(WRITE ${WORK}/src/compose/stages.h "#pragma once\n")
file(WRITE ${WORK}/src/gallery/search.cpp
  "// a gallery file\n#include <vector>\n\n#include \"catalog.h\"\n#include \"lingbi/compose/compose.h\"\n#include \"../compose/stages.h\"\n#include \"compose/stages.h\"\n")
file(WRITE ${WORK}/src/compose/retriever.cpp
  "#include <faiss/Index.h>\n#include \"lingbi/gallery/gallery.h\"\n#include \"lingbi/gallery/catalog.h\"\n")
file(WRITE ${WORK}/tools/lingbi/main.cpp "#include <sqlite3.h>\n#include \"lingbi/compose/compose.h\"\n")

function(run_check expect_ok)
  execute_process(COMMAND ${CMAKE_COMMAND} -DROOT=${WORK} -P ${WORK}/cmake/CheckIncludes.cmake
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(check_output "${out}${err}" PARENT_SCOPE)
  if(expect_ok AND NOT rc EQUAL 0)
    message(FATAL_ERROR "the check failed on a clean tree:\n${out}${err}")
  elseif(NOT expect_ok AND rc EQUAL 0)
    message(FATAL_ERROR "the check passed a tree with wrong includes:\n${out}${err}")
  endif()
endfunction()

run_check(FALSE)
set(expected
  "src/gallery/search.cpp:5: #include \"lingbi/compose/compose.h\": gallery may not use compose (gallery uses: util, clip; see cmake/Modules.cmake)"
  "src/gallery/search.cpp:6: #include \"../compose/stages.h\": an include never climbs out of its folder with '..'"
  "src/gallery/search.cpp:7: #include \"compose/stages.h\": another module's private header"
  "src/compose/retriever.cpp:1: #include <faiss/Index.h>: compose may not use faiss directly"
  "src/compose/retriever.cpp:3: #include \"lingbi/gallery/catalog.h\": include/lingbi/gallery/catalog.h does not exist"
  "tools/lingbi/main.cpp:1: #include <sqlite3.h>: tools/lingbi may not use sqlite directly")
foreach(line IN LISTS expected)
  string(FIND "${check_output}" "${line}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the check did not report:\n  ${line}\nit said:\n${check_output}")
  endif()
endforeach()
foreach(fine "search.cpp:4" "retriever.cpp:2" "main.cpp:2" "search.cpp:2")
  string(FIND "${check_output}" "${fine}:" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "the check reported an allowed include (${fine}):\n${check_output}")
  endif()
endforeach()

# Without the wrong lines the same tree passes.
file(WRITE ${WORK}/src/gallery/search.cpp "#include <vector>\n#include \"catalog.h\"\n")
file(WRITE ${WORK}/src/compose/retriever.cpp "#include \"lingbi/gallery/gallery.h\"\n#include \"stages.h\"\n")
file(WRITE ${WORK}/tools/lingbi/main.cpp "#include \"lingbi/compose/compose.h\"\n")
run_check(TRUE)
message(STATUS "the include check names every wrong include and passes the corrected tree")
