/*
 * hex: the value of one hexadecimal digit, for the decoders of percent
 * escapes (HTTP query strings, queue payloads), JSON \u escapes and the
 * IPv6 addresses of URLs.
 */
#ifndef STONKS_HEX_H
#define STONKS_HEX_H

/* 0..15 for '0'-'9', 'a'-'f' and 'A'-'F'; -1 for any other char. */
static inline int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
