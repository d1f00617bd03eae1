// Each browser test starts its own app and Chromium; on two cores they run one at a time, or timeouts turn into noise.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
