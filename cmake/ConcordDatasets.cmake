# Sets CONCORD_DATASETS_DIR (cache) to where the shared datasets live, unless given:
# the first existing of $CONCORD_DATASETS, ROOT/../shared/datasets, ROOT/../../shared/datasets,
# /work/shared/datasets; else ROOT/../shared/datasets with a warning (tests that read them fail).
# Used by the top-level project and by fuzz/ when built on its own.
function(concord_find_datasets root)
  if(CONCORD_DATASETS_DIR)
    return()
  endif()
  foreach(_dir "$ENV{CONCORD_DATASETS}" "${root}/../shared/datasets" "${root}/../../shared/datasets"
               "/work/shared/datasets")
    if(_dir AND EXISTS "${_dir}/proofflow")
      get_filename_component(_dir "${_dir}" ABSOLUTE)
      set(CONCORD_DATASETS_DIR "${_dir}" CACHE PATH "Datasets folder")
      return()
    endif()
  endforeach()
  set(CONCORD_DATASETS_DIR "${root}/../shared/datasets" CACHE PATH "Datasets folder")
  message(WARNING "datasets not found: set CONCORD_DATASETS or -DCONCORD_DATASETS_DIR (tests that read them will fail)")
endfunction()
