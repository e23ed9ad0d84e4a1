'use strict';
/*
 * A bcoin full node on regtest for the integration tests, the benchmarks and `pos demo`.
 *
 * Started by pos/regtest/node.py, never by hand:
 *   node node.js [--http-port N] [--wallet-port N] --api-key KEY
 * It prints one JSON line on stdout once it listens ({"ready": true, "http": port,
 * "wallet": port, "height": n}) and stops cleanly on SIGTERM or SIGINT.
 *
 * Chain, wallet and mempool live in memory: bcoin 1.0.2's on-disk database reads nothing
 * back through the leveldown 6.1.1 that builds on Node 20 (range reads come back empty),
 * so a restarted node starts a new chain. Ports 0 let the OS choose free ones.
 *
 * bcoin 1.0.2 has its own regtest prefixes (rb1..., rpub); Bitcoin Core's (bcrt1..., tpub)
 * are set before the first use of the network, so addresses derived by the POS (and by
 * bitcoinlib) mean the same thing to this node.
 *
 * Three RPC calls of our own sit beside bcoin's:
 *   poswalletsync               wait until the wallet has processed every block (it lags a little)
 *   possend address value rbf   pay from the wallet, optionally signalling RBF (BIP125)
 *   posreplace txid             replace an unconfirmed wallet payment by a conflicting one
 *                               that pays the wallet itself (see README: bcoin 1.0.2's
 *                               mempool refuses replacements, so this does what a full-RBF
 *                               node would do: evict the original, accept the conflict)
 */

const networks = require('bcoin/lib/protocol/networks');

Object.assign(networks.regtest.addressPrefix, {
  pubkeyhash: 0x6f,
  scripthash: 0xc4,
  bech32: 'bcrt'
});
Object.assign(networks.regtest.keyPrefix, {
  privkey: 0xef,
  xpubkey: 0x043587cf,
  xprivkey: 0x04358394,
  xpubkey58: 'tpub',
  xprivkey58: 'tprv'
});

const bcoin = require('bcoin');

const RBF_SEQUENCE = 0xfffffffd;
const REPLACEMENT_FEE = 10000;
const WALLET_SYNC_TIMEOUT_MS = 30000;

function parseArgs(argv) {
  const args = {httpPort: 0, walletPort: 0, apiKey: ''};
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (value === undefined)
      throw new Error(`missing value for ${key}`);
    if (key === '--http-port') args.httpPort = Number(value);
    else if (key === '--wallet-port') args.walletPort = Number(value);
    else if (key === '--api-key') args.apiKey = value;
    else throw new Error(`unknown option ${key}`);
  }
  if (!args.apiKey)
    throw new Error('--api-key is required');
  return args;
}

function primaryWallet(node) {
  return node.require('walletdb').wdb.primary;
}

async function walletSynced(node) {
  // The wallet follows the chain asynchronously; spending right after mining needs it caught up.
  const wdb = node.require('walletdb').wdb;
  const deadline = Date.now() + WALLET_SYNC_TIMEOUT_MS;
  while (wdb.height < node.chain.height) {
    if (Date.now() > deadline)
      throw new Error(`wallet at height ${wdb.height}, chain at ${node.chain.height}`);
    await new Promise(resolve => setTimeout(resolve, 10));
  }
  return wdb.height;
}

async function addToMempool(node, tx) {
  // mempool.addTX throws on a rejected transaction; node.sendTX would only log it.
  const missing = await node.mempool.addTX(tx);
  if (missing)
    throw new Error(`transaction ${tx.txid()} spends unknown coins`);
  return tx.txid();
}

async function send(node, address, value, rbf) {
  await walletSynced(node);
  const wallet = primaryWallet(node);
  const mtx = await wallet.createTX({
    outputs: [{address: bcoin.Address.fromString(address, node.network), value}]
  });
  if (rbf) {
    for (const input of mtx.inputs)
      input.sequence = RBF_SEQUENCE;
  }
  await wallet.sign(mtx);
  const tx = mtx.toTX();
  await wallet.wdb.addTX(tx);
  return addToMempool(node, tx);
}

async function replace(node, txid) {
  const wallet = primaryWallet(node);
  const hash = bcoin.util.revHex(txid);
  const entry = node.mempool.getEntry(hash);
  if (!entry)
    throw new Error(`transaction ${txid} is not in the mempool`);
  const wtx = await wallet.getTX(hash);
  if (!wtx)
    throw new Error(`transaction ${txid} was not sent by the node's wallet`);
  const view = await wallet.getSpentView(wtx.tx);

  node.mempool.evictEntry(entry);
  await wallet.abandon(hash);

  const mtx = new bcoin.MTX();
  let total = 0;
  for (const input of wtx.tx.inputs) {
    const coin = view.getCoinFor(input);
    mtx.addCoin(coin);
    total += coin.value;
  }
  const change = await wallet.receiveAddress();
  mtx.addOutput(change, total - REPLACEMENT_FEE);
  await wallet.sign(mtx);
  const tx = mtx.toTX();
  await wallet.wdb.addTX(tx);
  return addToMempool(node, tx);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));

  const node = new bcoin.FullNode({
    network: 'regtest',
    memory: true,
    indexTX: true,
    indexAddress: true,
    replaceByFee: true,
    listen: false,
    selfish: true,
    workers: false,
    httpHost: '127.0.0.1',
    httpPort: args.httpPort,
    walletHttpHost: '127.0.0.1',
    walletHttpPort: args.walletPort,
    apiKey: args.apiKey,
    logLevel: 'error',
    logConsole: false,
    logFile: false,
    plugins: [bcoin.wallet.plugin]
  });

  node.rpc.add('poswalletsync', async () => walletSynced(node));
  node.rpc.add('possend', async (params) => {
    const [address, value, rbf] = params;
    return send(node, String(address), Number(value), Boolean(rbf));
  });
  node.rpc.add('posreplace', async (params) => replace(node, String(params[0])));

  await node.open();
  await node.connect();
  node.startSync();

  let stopping = false;
  const stop = async () => {
    if (stopping)
      return;
    stopping = true;
    try {
      await node.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  const wallet = node.require('walletdb');
  process.stdout.write(JSON.stringify({
    ready: true,
    http: node.http.http.address().port,
    wallet: wallet.http.http.address().port,
    height: node.chain.height
  }) + '\n');
}

main().catch((err) => {
  process.stderr.write(`regtest node failed: ${err.stack || err}\n`);
  process.exit(1);
});
