/* SPDX-License-Identifier: MIT */
/**
 * @file export.h
 * @brief Symbol visibility and attribute macros for libnnbasics.
 *
 * NNB_API marks every function the library exports. The library is compiled with hidden visibility by
 * default, so anything not marked NNB_API stays internal to the shared object. Define NNB_STATIC when
 * linking the static archive on platforms that distinguish (CMake's nnbasics::nnbasics_static does it).
 */
#ifndef NNB_EXPORT_H
#define NNB_EXPORT_H

/**
 * @def NNB_API
 * Marks a function the library exports (default visibility, or dllexport/dllimport on Windows).
 */
/**
 * @def NNB_DEPRECATED
 * Marks a function that will be removed in a later version.
 * @param msg names the function's replacement.
 */
/**
 * @def NNB_NODISCARD
 * Warns when a caller ignores a returned status.
 */

#if defined(_WIN32) && !defined(NNB_STATIC)
#    if defined(NNB_BUILDING_LIBRARY)
#        define NNB_API __declspec(dllexport)
#    else
#        define NNB_API __declspec(dllimport)
#    endif
#elif defined(__GNUC__) || defined(__clang__)
#    define NNB_API __attribute__((visibility("default")))
#else
#    define NNB_API
#endif

#if defined(__GNUC__) || defined(__clang__)
#    define NNB_DEPRECATED(msg) __attribute__((deprecated(msg)))
#else
#    define NNB_DEPRECATED(msg)
#endif

#if defined(__GNUC__) || defined(__clang__)
#    define NNB_NODISCARD __attribute__((warn_unused_result))
#else
#    define NNB_NODISCARD
#endif

#endif /* NNB_EXPORT_H */
