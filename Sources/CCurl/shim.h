// CCurl: libcurl for Swift.  Swift cannot call C variadic functions, so
// curl_easy_setopt / curl_easy_getinfo / curl_multi_setopt get one typed wrapper
// per argument type here.  Every symbol of ours carries the ccurl_ prefix.
#ifndef KIZUNA_CCURL_SHIM_H
#define KIZUNA_CCURL_SHIM_H

#include <curl/curl.h>
#include <stddef.h>
#include <sys/types.h>

// curl 7.88 spells it with three L's; 8.2 added the two-L name and kept this one.
#ifndef CURLOPT_MAIL_RCPT_ALLOWFAILS
#define CURLOPT_MAIL_RCPT_ALLOWFAILS CURLOPT_MAIL_RCPT_ALLLOWFAILS
#endif

typedef size_t (*ccurl_data_callback)(char *buffer, size_t size, size_t nitems, void *userdata);
typedef int (*ccurl_debug_callback)(CURL *handle, curl_infotype type, char *data, size_t size, void *userdata);

static inline CURLcode ccurl_setopt_long(CURL *h, CURLoption o, long v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode ccurl_setopt_string(CURL *h, CURLoption o, const char *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode ccurl_setopt_pointer(CURL *h, CURLoption o, void *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode ccurl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode ccurl_setopt_off_t(CURL *h, CURLoption o, curl_off_t v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode ccurl_setopt_write_callback(CURL *h, ccurl_data_callback f) {
    return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, f);
}
static inline CURLcode ccurl_setopt_read_callback(CURL *h, ccurl_data_callback f) {
    return curl_easy_setopt(h, CURLOPT_READFUNCTION, f);
}
static inline CURLcode ccurl_setopt_header_callback(CURL *h, ccurl_data_callback f) {
    return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, f);
}
static inline CURLcode ccurl_setopt_debug_callback(CURL *h, ccurl_debug_callback f) {
    return curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, f);
}

static inline CURLcode ccurl_getinfo_long(CURL *h, CURLINFO i, long *out) {
    return curl_easy_getinfo(h, i, out);
}
static inline CURLcode ccurl_getinfo_string(CURL *h, CURLINFO i, const char **out) {
    char *p = NULL;
    CURLcode rc = curl_easy_getinfo(h, i, &p);
    *out = p;
    return rc;
}
static inline CURLcode ccurl_getinfo_pointer(CURL *h, CURLINFO i, void **out) {
    return curl_easy_getinfo(h, i, out);
}

static inline CURLMcode ccurl_multi_setopt_long(CURLM *m, CURLMoption o, long v) {
    return curl_multi_setopt(m, o, v);
}

// CURLMsg holds a union; Swift sees it clumsily, so read the two fields here.
static inline CURLcode ccurl_msg_result(const CURLMsg *msg) { return msg->data.result; }
static inline int ccurl_msg_is_done(const CURLMsg *msg) { return msg->msg == CURLMSG_DONE; }

#endif
