// The reference for Murmur's Bluesky text rules: @atproto/api's RichText, as Bluesky's app uses it.
//
// Reads a JSON array of strings on stdin; writes a JSON array with, for each string, the facets
// `detectFacetsWithoutResolution()` finds (mentions keep the handle where a DID would go) and
// `graphemeLength`. MURMUR_NODE_MODULES says where the test set-up installed the packages.
'use strict'
const path = require('node:path')
const { createRequire } = require('node:module')

const modules = process.env.MURMUR_NODE_MODULES || path.join(__dirname, 'node_modules')
const requireFromModules = createRequire(path.join(modules, 'resolve-from-here.js'))
const { RichText } = requireFromModules('@atproto/api')

const chunks = []
process.stdin.on('data', (c) => chunks.push(c))
process.stdin.on('end', () => {
  const texts = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  const out = texts.map((text) => {
    const rt = new RichText({ text })
    rt.detectFacetsWithoutResolution()
    return { facets: rt.facets || [], graphemes: rt.graphemeLength }
  })
  process.stdout.write(JSON.stringify(out))
})
