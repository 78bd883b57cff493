"""An independent implementation of the Tsunagi sealed envelope (docs/PROTOCOL.md, "Sealed
personal part"), written from the document with pyhpke, for the interop tests.

  python tsunagi_envelope.py check VECTOR.json      open the vector's envelope, check every field
  python tsunagi_envelope.py open  < request.json   open an envelope; prints the plaintext (hex)
  python tsunagi_envelope.py seal  < request.json   seal a plaintext; prints the envelope (hex)
  python tsunagi_envelope.py make-vector            print a new vector (fixed ephemeral key)
"""
import hashlib
import json
import sys

from pyhpke import AEADId, CipherSuite, KDFId, KEMId, KEMKey, KEMKeyPair

MAGIC = b"TSE1"
SUITE = CipherSuite.new(KEMId.DHKEM_X25519_HKDF_SHA256, KDFId.HKDF_SHA256, AEADId.CHACHA20_POLY1305)
INFO = b"tsunagi/personal-part/1"
HEADER_LENGTH = 27
ENC_LENGTH = 32


def key_id(public_key: bytes) -> bytes:
    return hashlib.sha256(public_key).digest()[:8]


def secret_key(raw: bytes):
    return KEMKey.from_pyca_cryptography_key(_x25519().X25519PrivateKey.from_private_bytes(raw))


def public_key(raw: bytes):
    return KEMKey.from_pyca_cryptography_key(_x25519().X25519PublicKey.from_public_bytes(raw))


def public_of(raw_secret: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization
    key = _x25519().X25519PrivateKey.from_private_bytes(raw_secret)
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _x25519():
    from cryptography.hazmat.primitives.asymmetric import x25519
    return x25519


def header(recipient_pk: bytes, sender_pk: bytes) -> bytes:
    return MAGIC + bytes([0x00, 0x20, 0x00, 0x01, 0x00, 0x03, 0x02]) + key_id(recipient_pk) + key_id(sender_pk)


def aad(head: bytes, referral_id: str, sender: str, destination: str) -> bytes:
    return head + referral_id.encode() + b"\x00" + sender.encode() + b"\x00" + destination.encode()


def seal(recipient_pk: bytes, sender_sk: bytes, referral_id, sender, destination, plaintext: bytes, ephemeral_sk=None) -> bytes:
    head = header(recipient_pk, public_of(sender_sk))
    eks = None
    if ephemeral_sk is not None:
        eks = KEMKeyPair(secret_key(ephemeral_sk), public_key(public_of(ephemeral_sk)))
    enc, context = SUITE.create_sender_context(public_key(recipient_pk), INFO, sks=secret_key(sender_sk), eks=eks)
    return head + enc + context.seal(plaintext, aad(head, referral_id, sender, destination))


def open_envelope(envelope: bytes, recipient_sk: bytes, sender_pk: bytes, referral_id, sender, destination) -> bytes:
    if envelope[:4] != MAGIC or envelope[4:11] != bytes([0x00, 0x20, 0x00, 0x01, 0x00, 0x03, 0x02]):
        raise ValueError("not a TSE1 envelope of suite X25519/HKDF-SHA256/ChaCha20Poly1305, mode auth")
    if envelope[11:19] != key_id(public_of(recipient_sk)) or envelope[19:27] != key_id(sender_pk):
        raise ValueError("the envelope names other keys")
    head, enc, ciphertext = envelope[:HEADER_LENGTH], envelope[HEADER_LENGTH:HEADER_LENGTH + ENC_LENGTH], envelope[HEADER_LENGTH + ENC_LENGTH:]
    context = SUITE.create_recipient_context(enc, secret_key(recipient_sk), INFO, pks=public_key(sender_pk))
    return context.open(ciphertext, aad(head, referral_id, sender, destination))


def main():
    command = sys.argv[1]
    h = bytes.fromhex
    if command == "check":
        v = json.load(open(sys.argv[2]))
        assert public_of(h(v["recipient_secret_key"])) == h(v["recipient_public_key"]), "recipient key pair"
        assert public_of(h(v["sender_secret_key"])) == h(v["sender_public_key"]), "sender key pair"
        assert key_id(h(v["recipient_public_key"])).hex() == v["recipient_key_id"], "recipient key id"
        assert key_id(h(v["sender_public_key"])).hex() == v["sender_key_id"], "sender key id"
        assert INFO.hex() == v["info"], "info"
        head = header(h(v["recipient_public_key"]), h(v["sender_public_key"]))
        assert aad(head, v["referral_id"], v["from"], v["to"]).hex() == v["aad"], "aad"
        opened = open_envelope(h(v["envelope"]), h(v["recipient_secret_key"]), h(v["sender_public_key"]), v["referral_id"], v["from"], v["to"])
        assert opened == v["plaintext"].encode(), "plaintext"
        again = seal(h(v["recipient_public_key"]), h(v["sender_secret_key"]), v["referral_id"], v["from"], v["to"],
                     v["plaintext"].encode(), ephemeral_sk=h(v["ephemeral_secret_key"]))
        assert again.hex() == v["envelope"], "sealing again with the vector's ephemeral key gives the same envelope"
        print("ok")
    elif command == "open":
        r = json.load(sys.stdin)
        print(open_envelope(h(r["envelope"]), h(r["recipient_secret_key"]), h(r["sender_public_key"]), r["referral_id"], r["from"], r["to"]).hex())
    elif command == "seal":
        r = json.load(sys.stdin)
        print(seal(h(r["recipient_public_key"]), h(r["sender_secret_key"]), r["referral_id"], r["from"], r["to"], h(r["plaintext"])).hex())
    elif command == "make-vector":
        recipient_sk = hashlib.sha256(b"tsunagi test vector recipient").digest()
        sender_sk = hashlib.sha256(b"tsunagi test vector sender").digest()
        ephemeral_sk = hashlib.sha256(b"tsunagi test vector ephemeral").digest()
        v = {
            "description": "TSE1 envelope: HPKE RFC 9180 mode_auth, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305",
            "referral_id": "peer-support.kochi:2026-0012", "from": "peer-support.kochi", "to": "saposute.kochi",
            "plaintext": json.dumps({"name": "テスト 太郎", "contact": "088-000-0000", "case_number": "PS-2026-0012",
                                     "note": "午前中の連絡を希望"}, ensure_ascii=False, separators=(",", ":")),
            "recipient_secret_key": recipient_sk.hex(), "recipient_public_key": public_of(recipient_sk).hex(),
            "recipient_key_id": key_id(public_of(recipient_sk)).hex(),
            "sender_secret_key": sender_sk.hex(), "sender_public_key": public_of(sender_sk).hex(),
            "sender_key_id": key_id(public_of(sender_sk)).hex(),
            "ephemeral_secret_key": ephemeral_sk.hex(),
            "info": INFO.hex(),
        }
        head = header(public_of(recipient_sk), public_of(sender_sk))
        v["aad"] = aad(head, v["referral_id"], v["from"], v["to"]).hex()
        v["envelope"] = seal(public_of(recipient_sk), sender_sk, v["referral_id"], v["from"], v["to"], v["plaintext"].encode(),
                             ephemeral_sk=ephemeral_sk).hex()
        print(json.dumps(v, ensure_ascii=False, indent=2))
    else:
        sys.exit("unknown command " + command)


if __name__ == "__main__":
    main()
