/** The gateway page's built files and their version, from the page build's manifest (vite.sw.config.ts). */
declare const __EDGEWAY_PAGE__: import('./page-cache.ts').PageFiles
