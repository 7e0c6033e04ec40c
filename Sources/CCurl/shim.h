#ifndef TALARIA_CCURL_SHIM_H
#define TALARIA_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic macros Swift cannot call:
   one typed wrapper per argument kind. */
static inline CURLcode tl_setopt_long(CURL *c, CURLoption o, long v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode tl_setopt_str(CURL *c, CURLoption o, const char *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode tl_setopt_ptr(CURL *c, CURLoption o, void *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode tl_setopt_slist(CURL *c, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode tl_setopt_off(CURL *c, CURLoption o, curl_off_t v) { return curl_easy_setopt(c, o, v); }

typedef size_t (*tl_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*tl_xfer_cb)(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
static inline CURLcode tl_setopt_datacb(CURL *c, CURLoption o, tl_data_cb v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode tl_setopt_xfercb(CURL *c, CURLoption o, tl_xfer_cb v) { return curl_easy_setopt(c, o, v); }
static inline CURLMcode tl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
static inline CURLcode tl_getinfo_long(CURL *c, CURLINFO i, long *v) { return curl_easy_getinfo(c, i, v); }
/* CURLMsg.data is a union Swift imports opaquely: the result code of a finished transfer. */
static inline CURLcode tl_msg_result(CURLMsg *m) { return m->data.result; }
#endif
