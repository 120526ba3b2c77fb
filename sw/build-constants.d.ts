/** The gateway page's built files and their version, from the page build's manifest (vite.sw.config.ts). */
declare const __EDGEWAY_PAGE__: import('./page-cache.ts').PageFiles
/** The loader page's script in the page build (`assets/loader-….js`), from its manifest (vite.sw.config.ts) */
declare const __EDGEWAY_LOADER__: string | undefined
/** The progress page's script in the page build (`assets/progress-….js`), from its manifest (vite.sw.config.ts) */
declare const __EDGEWAY_PROGRESS__: string | undefined
