#include "server/remote/signing.h"

#include "common/files/files.h"

namespace parc::server::remote {

CommandSigner::CommandSigner(const std::filesystem::path& keyFile)
    : key_((files::ensureDirectory(keyFile.parent_path(), 0700),
            parc::remote::SigningKey::loadOrCreate(keyFile))),
      publicKey_(key_.publicKeyHex()) {}

parc::remote::SignedScript CommandSigner::sign(const parc::remote::ScriptEnvelope& envelope) const {
  parc::remote::SignedScript s;
  s.envelope = toJson(envelope).dump();
  s.signature = key_.sign(s.envelope);
  s.signerKey = publicKey_;
  return s;
}

}  // namespace parc::server::remote
