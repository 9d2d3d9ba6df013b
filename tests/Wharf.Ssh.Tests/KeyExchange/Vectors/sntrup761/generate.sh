#!/usr/bin/env bash
# Regenerates sntrup761.rsp from OpenSSH's sntrup761.c (the public-domain supercop code that
# OpenSSH ships). Usage: bash generate.sh [openssh-x.y.tar.gz] > ../sntrup761.rsp
# Needs gcc and libssl-dev. The tarball defaults to the repository's vendor/openssh-10.5p1.tar.gz.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tarball=${1:-$here/../../../../../vendor/openssh-10.5p1.tar.gz}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar xzf "$tarball" -C "$work" --wildcards '*/sntrup761.c'
src=$(ls "$work"/*/sntrup761.c)
# sntrup761.c includes OpenSSH's build headers; these stand-ins give it only what it uses.
cat >"$work/includes.h" <<'H'
#define USE_SNTRUP761X25519 1
H
cat >"$work/crypto_api.h" <<'H'
#include <stdint.h>
#include <string.h>
#include <openssl/evp.h>
typedef int8_t crypto_int8;
typedef uint8_t crypto_uint8;
typedef int16_t crypto_int16;
typedef uint16_t crypto_uint16;
typedef int32_t crypto_int32;
typedef uint32_t crypto_uint32;
typedef int64_t crypto_int64;
typedef uint64_t crypto_uint64;
void test_randombytes(void *, size_t);
#define randombytes(buf, len) test_randombytes((buf), (len))
#define crypto_kem_sntrup761_PUBLICKEYBYTES 1158
#define crypto_kem_sntrup761_SECRETKEYBYTES 1763
#define crypto_kem_sntrup761_CIPHERTEXTBYTES 1039
#define crypto_kem_sntrup761_BYTES 32
static inline int crypto_hash_sha512(unsigned char *out, const unsigned char *in, unsigned long long inlen)
{
	return EVP_Digest(in, inlen, out, NULL, EVP_sha512(), NULL) ? 0 : -1;
}
H
cat >"$work/opt.c" <<'H'
#include <stdint.h>
volatile int16_t crypto_int16_optblocker = 0;
volatile int32_t crypto_int32_optblocker = 0;
volatile int64_t crypto_int64_optblocker = 0;
H
gcc -O2 -I"$work" -o "$work/gen" "$here/driver.c" "$src" "$work/opt.c" -lcrypto
echo "# sntrup761 known answers from $(basename "$tarball") sntrup761.c via tests/Wharf.Ssh.Tests/KeyExchange/Vectors/sntrup761/generate.sh"
"$work/gen"
