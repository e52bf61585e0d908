import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlobHolders } from '../../src/registry/blob-holders.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('BlobHolders: which destination repositories hold which blob during a run', () => {
  it('knows holders per registry, never offers the asking repository itself', () => {
    const holders = new BlobHolders();
    holders.add('reg:5000', 'team/one', D);
    assert.equal(holders.holds('reg:5000', 'team/one', D), true);
    assert.equal(holders.holds('reg:5000', 'team/two', D), false);
    assert.equal(holders.holds('other:5000', 'team/one', D), false, 'another registry cannot mount from this one');
    assert.equal(holders.holderOtherThan('reg:5000', 'team/two', D), 'team/one');
    assert.equal(holders.holderOtherThan('reg:5000', 'team/one', D), null);
    assert.equal(holders.holderOtherThan('other:5000', 'team/two', D), null);
  });

  it('a claimed upload is visible until settled; landing makes its repository a holder', async () => {
    const holders = new BlobHolders();
    assert.equal(holders.uploadInProgress('reg:5000', D), null);
    const settle = holders.claimUpload('reg:5000', 'team/one', D);
    const running = holders.uploadInProgress('reg:5000', D);
    assert.ok(running);
    assert.equal(holders.holderOtherThan('reg:5000', 'team/two', D), null, 'not a holder before it landed');
    settle(true);
    assert.equal(await running, true);
    assert.equal(holders.uploadInProgress('reg:5000', D), null);
    assert.equal(holders.holderOtherThan('reg:5000', 'team/two', D), 'team/one');
  });

  it('a failed upload leaves no holder and frees the claim for the next copy', async () => {
    const holders = new BlobHolders();
    const settle = holders.claimUpload('reg:5000', 'team/one', D);
    const running = holders.uploadInProgress('reg:5000', D)!;
    settle(false);
    assert.equal(await running, false);
    assert.equal(holders.uploadInProgress('reg:5000', D), null);
    assert.equal(holders.holderOtherThan('reg:5000', 'team/two', D), null);
  });
});
