// Independent check of a Sala credential with Digital Bazaar's Data Integrity stack
// (@digitalbazaar/vc + eddsa-rdfc-2022), fully offline.
//
// Usage: node verify.mjs INPUT.json
// INPUT holds {credential, issuerDocument, statusList, contexts: {url: document}, now}.
// Prints one JSON line: {verified, errors, statusVerified, statusErrors, revoked}.
import {readFileSync} from 'node:fs';
import {gunzipSync} from 'node:zlib';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const {credential, issuerDocument, statusList, contexts} = input;
const now = input.now ? new Date(input.now) : new Date();

// Only what the test hands over can load: any other URL fails, so nothing is fetched.
function documentLoader(url) {
  if(contexts[url]) {
    return {contextUrl: null, documentUrl: url, document: contexts[url]};
  }
  const [base, fragment] = url.split('#');
  if(base === issuerDocument.id) {
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document: issuerDocument};
    }
    // A verification method is handed on with its controller document's @context, as a
    // controller-document resolver does.
    const vm = issuerDocument.verificationMethod.find(m => m.id === url);
    if(vm) {
      return {contextUrl: null, documentUrl: url,
        document: {'@context': issuerDocument['@context'], ...vm}};
    }
  }
  if(statusList && url === statusList.id) {
    return {contextUrl: null, documentUrl: url, document: statusList};
  }
  throw new Error(`offline loader: ${url} is not available`);
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});

function errorsOf(result) {
  const found = [];
  if(result.error) {
    const errs = result.error.errors || [result.error];
    for(const e of errs) found.push(String(e.message || e));
  }
  for(const r of result.results || []) {
    if(r.error) found.push(String(r.error.message || r.error));
  }
  return found;
}

let statusVerified = null;
let statusErrors = [];
let revoked = null;

// Bitstring Status List v1.0 §3.2 Validate Algorithm, for statusPurpose "revocation".
async function checkStatus({credential}) {
  const entry = credential.credentialStatus;
  const listResult = await vc.verifyCredential({
    credential: statusList, suite, documentLoader, now
  });
  statusVerified = listResult.verified;
  statusErrors = errorsOf(listResult);
  if(!listResult.verified) {
    return {verified: false, error: new Error('status list not verified')};
  }
  const listIssuer = statusList.issuer.id || statusList.issuer;
  const credIssuer = credential.issuer.id || credential.issuer;
  if(listIssuer !== credIssuer || statusList.id !== entry.statusListCredential) {
    return {verified: false, error: new Error('status list does not belong to the credential')};
  }
  const encoded = statusList.credentialSubject.encodedList;
  const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
  const index = Number.parseInt(entry.statusListIndex, 10);
  revoked = Boolean(bits[index >> 3] & (0x80 >> (index % 8)));
  return {verified: !revoked};
}

const result = await vc.verifyCredential({
  credential, suite, documentLoader, now,
  checkStatus: statusList ? checkStatus : undefined
});
// Separate the signature from the status: a revoked credential keeps a valid proof.
const proofsVerified = (result.results || []).length > 0 &&
  result.results.every(r => r.verified);
console.log(JSON.stringify({
  verified: result.verified, proofsVerified, errors: errorsOf(result),
  statusVerified, statusErrors, revoked
}));
