/*
 * duckdb_api: the functions of DuckDB's C API that duckdb_lake calls,
 * resolved from libduckdb.so with dlopen/dlsym into one table, so that
 * bin/stonks has no link-time dependency on the library (see
 * duckdb_lake.h). Internal to duckdb_lake; include only where duckdb.h
 * is available.
 *
 * Calls read `duckdb_api.duckdb_query(...)`: each member has the type
 * duckdb.h declares for the function of the same name.
 */
#ifndef STONKS_DUCKDB_API_H
#define STONKS_DUCKDB_API_H

#include <duckdb.h>
#include <stddef.h>

#define DUCKDB_API_FUNCTIONS(X)                                                \
    X(duckdb_library_version)                                                  \
    X(duckdb_open)                                                             \
    X(duckdb_close)                                                            \
    X(duckdb_connect)                                                          \
    X(duckdb_disconnect)                                                       \
    X(duckdb_interrupt)                                                        \
    X(duckdb_query)                                                            \
    X(duckdb_result_error)                                                     \
    X(duckdb_destroy_result)                                                   \
    X(duckdb_column_count)                                                     \
    X(duckdb_fetch_chunk)                                                      \
    X(duckdb_extract_statements)                                               \
    X(duckdb_extract_statements_error)                                         \
    X(duckdb_prepare_extracted_statement)                                      \
    X(duckdb_destroy_extracted)                                                \
    X(duckdb_prepare_error)                                                    \
    X(duckdb_destroy_prepare)                                                  \
    X(duckdb_prepared_statement_type)                                          \
    X(duckdb_nparams)                                                          \
    X(duckdb_pending_prepared)                                                 \
    X(duckdb_pending_execute_task)                                             \
    X(duckdb_pending_execution_is_finished)                                    \
    X(duckdb_pending_error)                                                    \
    X(duckdb_execute_pending)                                                  \
    X(duckdb_destroy_pending)                                                  \
    X(duckdb_data_chunk_get_size)                                              \
    X(duckdb_data_chunk_get_vector)                                            \
    X(duckdb_data_chunk_set_size)                                              \
    X(duckdb_create_data_chunk)                                                \
    X(duckdb_destroy_data_chunk)                                               \
    X(duckdb_vector_get_data)                                                  \
    X(duckdb_vector_get_validity)                                              \
    X(duckdb_vector_ensure_validity_writable)                                  \
    X(duckdb_vector_assign_string_element_len)                                 \
    X(duckdb_validity_row_is_valid)                                            \
    X(duckdb_validity_set_row_invalid)                                         \
    X(duckdb_vector_size)                                                      \
    X(duckdb_string_t_length)                                                  \
    X(duckdb_string_t_data)                                                    \
    X(duckdb_create_logical_type)                                              \
    X(duckdb_create_decimal_type)                                              \
    X(duckdb_destroy_logical_type)                                             \
    X(duckdb_appender_create)                                                  \
    X(duckdb_appender_error)                                                   \
    X(duckdb_append_data_chunk)                                                \
    X(duckdb_appender_close)                                                   \
    X(duckdb_appender_destroy)

typedef struct duckdb_api_table {
#define DUCKDB_API_MEMBER(f) __typeof__(&f) f;
    DUCKDB_API_FUNCTIONS(DUCKDB_API_MEMBER)
#undef DUCKDB_API_MEMBER
} duckdb_api_table;

/* Filled by duckdb_api_load; read-only afterwards. */
extern duckdb_api_table duckdb_api;

/* Loads the library once per process (thread-safe): from configured
 * when non-empty, else from where the build found it, else by name
 * through the dynamic linker. Returns 0, or -1 with a message naming
 * each place tried. Later calls return the first call's answer. */
int duckdb_api_load(const char *configured, char *err, size_t errlen);

#endif
