// Recomputes the expectations in twitter-text-3.1.0.jsonl with the
// twitter-text JavaScript build, keeping the texts:
//
//   node regenerate.js path/to/twitter-text-3.1.0.js twitter-text-3.1.0.jsonl
//
// The build is js/pkg/twitter-text-3.1.0.js of github.com/twitter/twitter-text
// (commit 30e2430). Its TLD lists predate the conformance tld_lib.yml used by
// this package by six entries, which are added before loading it.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");

const [bundle, file] = process.argv.slice(2);
let src = fs.readFileSync(bundle, "utf8");
src = src.replace("'(?:(?:' + '한국|香港|", "'(?:(?:' + 'ລາວ|ευ|البحرين|한국|香港|");
src = src.replace("'(?:(?:' + '삼성|닷컴|", "'(?:(?:' + 'cpa|llp|gay|삼성|닷컴|");
const patched = path.join(os.tmpdir(), "twitter-text-patched.js");
fs.writeFileSync(patched, src);
const tt = require(patched);

const result = (p) => [p.weightedLength, p.valid, p.permillage, p.displayRangeEnd, p.validRangeEnd];
const out = fs.readFileSync(file, "utf8").split("\n").filter((l) => l.length).map((l) => {
  const text = JSON.parse(l).text;
  return JSON.stringify({
    text,
    v1: result(tt.parseTweet(text, tt.configs.version1)),
    v2: result(tt.parseTweet(text, tt.configs.version2)),
    v3: result(tt.parseTweet(text, tt.configs.version3)),
    urls: tt.extractUrlsWithIndices(text).map((u) => [u.url, u.indices[0], u.indices[1]]),
    mentions: tt.extractMentionsOrListsWithIndices(text).map((m) => [m.screenName, m.listSlug, m.indices[0], m.indices[1]]),
    reply: tt.extractReplies(text),
    validUrl: tt.isValidUrl(text, true, true),
    validUrlNoProto: tt.isValidUrl(text, true, false),
  });
});
fs.writeFileSync(file, out.join("\n") + "\n");
