export {
  createScratchProject,
  markdownCodeBlock,
  npmCli,
  packPublicPackages,
  publicPackages,
  repoRoot,
  run,
  type PublicPackage,
  type RunResult,
  type ScratchProject,
} from './scratch-project.js';
