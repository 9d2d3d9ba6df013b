/*
 * Known-answer vectors for sntrup761 from OpenSSH's own sntrup761.c (the code behind
 * sntrup761x25519-sha512), so Wharf's sntrup761 is checked against what OpenSSH runs rather
 * than against another library. randombytes is replaced by a deterministic stream that the C#
 * test reproduces: block i of the stream is SHA-512(label || uint32_be(i)), the blocks
 * concatenated and consumed in order whatever the size of each request.
 * Output: NIST-style "name = hex" lines, one blank line between records.
 */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <openssl/evp.h>

#define crypto_kem_sntrup761_PUBLICKEYBYTES 1158
#define crypto_kem_sntrup761_SECRETKEYBYTES 1763
#define crypto_kem_sntrup761_CIPHERTEXTBYTES 1039
#define crypto_kem_sntrup761_BYTES 32

static unsigned char label[64];
static size_t label_len;
static uint32_t block_index;
static unsigned char block[64];
static size_t block_used = 64;

static void stream_start(const char *l)
{
	label_len = strlen(l);
	memcpy(label, l, label_len);
	block_index = 0;
	block_used = 64;
}

void test_randombytes(void *out, size_t len)
{
	unsigned char *p = out;
	while (len > 0) {
		if (block_used == 64) {
			unsigned char in[68];
			memcpy(in, label, label_len);
			in[label_len] = block_index >> 24;
			in[label_len + 1] = block_index >> 16;
			in[label_len + 2] = block_index >> 8;
			in[label_len + 3] = block_index;
			EVP_Digest(in, label_len + 4, block, NULL, EVP_sha512(), NULL);
			block_index++;
			block_used = 0;
		}
		*p++ = block[block_used++];
		len--;
	}
}

int crypto_kem_sntrup761_keypair(unsigned char *pk, unsigned char *sk);
int crypto_kem_sntrup761_enc(unsigned char *c, unsigned char *k, const unsigned char *pk);
int crypto_kem_sntrup761_dec(unsigned char *k, const unsigned char *c, const unsigned char *sk);

static void hex(const char *name, const unsigned char *b, size_t n)
{
	printf("%s = ", name);
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

int main(void)
{
	static unsigned char pk[crypto_kem_sntrup761_PUBLICKEYBYTES];
	static unsigned char sk[crypto_kem_sntrup761_SECRETKEYBYTES];
	static unsigned char ct[crypto_kem_sntrup761_CIPHERTEXTBYTES];
	static unsigned char bad[crypto_kem_sntrup761_CIPHERTEXTBYTES];
	unsigned char ss[32], ss2[32], ssbad[32];
	char l[64];

	for (int i = 0; i < 3; i++) {
		printf("count = %d\n", i);
		snprintf(l, sizeof l, "wharf-sntrup761-keygen-%d", i);
		printf("keygen_label = %s\n", l);
		stream_start(l);
		crypto_kem_sntrup761_keypair(pk, sk);
		snprintf(l, sizeof l, "wharf-sntrup761-enc-%d", i);
		printf("enc_label = %s\n", l);
		stream_start(l);
		crypto_kem_sntrup761_enc(ct, ss, pk);
		crypto_kem_sntrup761_dec(ss2, ct, sk);
		if (memcmp(ss, ss2, 32) != 0) {
			fprintf(stderr, "decapsulation disagrees\n");
			return 1;
		}
		/* A ciphertext with one flipped bit must decapsulate to the implicit-rejection key. */
		memcpy(bad, ct, sizeof bad);
		bad[i * 100] ^= 1;
		crypto_kem_sntrup761_dec(ssbad, bad, sk);
		hex("pk", pk, sizeof pk);
		hex("sk", sk, sizeof sk);
		hex("ct", ct, sizeof ct);
		hex("ss", ss, sizeof ss);
		hex("ct_bad", bad, sizeof bad);
		hex("ss_bad", ssbad, sizeof ssbad);
		printf("\n");
	}
	return 0;
}
