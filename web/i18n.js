// The interface's words in English and Chinese. The language follows the browser's until the
// user picks one with the switch (kept in localStorage).
import { useEffect, useState } from './vendor/htm-preact-standalone.js';

const words = {
  en: {
    appName: 'lingbi studio',
    navCompose: 'Compose',
    navArticles: 'Articles',
    navGallery: 'Gallery',
    switchLanguage: '中文',
    switchLanguageLabel: 'Switch the interface to Chinese',
    loadingModels: 'The models are loading; the page will be ready in a moment.',
    serverDown: 'The server cannot be reached.',
    keyTitle: 'API key',
    keyExplain: 'This server asks for an API key. It is kept for this tab only.',
    keyLabel: 'Key',
    keySave: 'Use this key',
    keyWrong: 'The server refused this key.',
    // compose
    composeTitle: 'A new article',
    instruction: 'What should the article be about?',
    instructionHint: 'Give a topic, or an outline (one heading per line): an outline you give is kept.',
    words: 'Words',
    pictures: 'Pictures',
    picturesAuto: 'Automatic',
    picturesCount: 'Number of pictures',
    language: 'Language of the article',
    langAuto: 'Same as the instruction',
    langEn: 'English',
    langZh: 'Chinese',
    candidates: 'Candidates per picture',
    selectContext: 'The picker reads',
    selectPassage: 'The passage around each picture',
    selectArticle: 'The whole article (slower)',
    seed: 'Seed (optional)',
    ownPictures: 'Your own pictures',
    dropHere: 'Drop pictures here, or choose files',
    chooseFiles: 'Choose pictures',
    uploading: 'Uploading…',
    pictureTooLarge: 'the picture is {mb} MB; the server takes pictures of at most {max} MB',
    removePicture: 'Remove',
    composeStart: 'Compose',
    cancel: 'Cancel',
    resume: 'Resume',
    jobQueued: 'Waiting for the model (position {n})…',
    jobRunning: 'Writing…',
    jobCompleted: 'Done.',
    jobFailed: 'The job failed: {error}',
    jobCancelled: 'Cancelled. The part written so far is kept.',
    outline: 'Outline',
    slotPlanned: 'A picture goes here: searching…',
    // articles
    articlesTitle: 'Your articles',
    noArticles: 'No articles yet.',
    untitled: '(untitled)',
    partial: 'unfinished',
    revisionN: 'revision {n}',
    open: 'Open',
    deleteArticle: 'Delete',
    confirmDelete: 'Delete “{title}” and all its revisions?',
    // article
    undo: 'Undo',
    redo: 'Redo',
    history: 'History',
    historyTitle: 'Revisions',
    export: 'Export',
    exportHtml: 'HTML (self-contained)',
    exportZip: 'Markdown + pictures (zip)',
    exportJson: 'JSON',
    exportDocx: 'Word (.docx)',
    copyWechat: 'Copy for WeChat',
    copied: 'Copied: paste it into the WeChat editor.',
    chat: 'Talk about it',
    editParagraph: 'Edit paragraph {n}',
    rewrite: 'Rewrite',
    longer: 'Longer',
    shorter: 'Shorter',
    instructionEdit: 'Instruction',
    instructionEditHint: 'e.g. as a question to the reader',
    apply: 'Apply',
    insertBefore: 'Insert before',
    insertAfter: 'Insert after',
    insertOutline: 'What the new paragraph says (one line)',
    deleteParagraph: 'Delete paragraph',
    addPictureHere: 'Add a picture here',
    addPictureCaption: 'What the picture should show (optional)',
    add: 'Add',
    close: 'Close',
    accept: 'Accept',
    reject: 'Reject',
    reviewChange: 'Review the change',
    oldText: 'Before',
    newText: 'After',
    working: 'Working…',
    candidatesOf: 'Candidates for picture {n}',
    score: 'score {s}',
    tone: 'tone: {t}',
    reason: 'Why: {r}',
    query: 'Searched the gallery for: {q}',
    declined: 'The selector found no good match; the best search score stands in.',
    chosen: 'chosen',
    useCandidate: 'Use candidate {l}',
    caption: 'Caption',
    searchAgain: 'Search again',
    removeSlot: 'Delete picture',
    pictureN: 'Picture {n}',
    noPicture: 'No picture found for this place.',
    // chat
    chatTitle: 'Talk about the article',
    chatIncludeArticle: 'Include the article',
    chatAttach: 'Attach a picture',
    chatAttachArticle: 'Attach a picture of the article',
    chatMessage: 'Your message',
    send: 'Send',
    stop: 'Stop',
    insertAsParagraph: 'Insert as a paragraph after…',
    insertAt: 'after paragraph',
    you: 'You',
    model: 'Model',
    // gallery
    galleryTitle: 'Gallery',
    galleryInfo: '{images} pictures, {failures} could not be read; model {model}',
    noGallery: 'This server has no gallery.',
    searchText: 'Search by words',
    search: 'Search',
    searchByPicture: 'Or drop a picture here to find similar ones',
    results: '{n} results',
    // misc
    error: 'Error: {e}',
  },
  zh: {
    appName: '灵笔工作室',
    navCompose: '写作',
    navArticles: '文章',
    navGallery: '图库',
    switchLanguage: 'English',
    switchLanguageLabel: '将界面切换为英文',
    loadingModels: '模型正在加载，页面马上就好。',
    serverDown: '无法连接服务器。',
    keyTitle: 'API 密钥',
    keyExplain: '此服务器需要 API 密钥，仅在当前标签页中保存。',
    keyLabel: '密钥',
    keySave: '使用此密钥',
    keyWrong: '服务器拒绝了这个密钥。',
    composeTitle: '新文章',
    instruction: '文章写什么？',
    instructionHint: '给出主题，或给出提纲（每行一个标题）：您给的提纲会被保留。',
    words: '字数',
    pictures: '配图',
    picturesAuto: '自动',
    picturesCount: '配图数量',
    language: '文章语言',
    langAuto: '与要求相同',
    langEn: '英文',
    langZh: '中文',
    candidates: '每张配图的候选数',
    selectContext: '选图时阅读',
    selectPassage: '配图前后的段落',
    selectArticle: '全文（较慢）',
    seed: '随机种子（可选）',
    ownPictures: '您自己的图片',
    dropHere: '把图片拖到这里，或选择文件',
    chooseFiles: '选择图片',
    uploading: '上传中…',
    pictureTooLarge: '图片有 {mb} MB，服务器只接受不超过 {max} MB 的图片',
    removePicture: '移除',
    composeStart: '开始写作',
    cancel: '取消',
    resume: '继续',
    jobQueued: '等待模型（排在第 {n} 位）…',
    jobRunning: '正在写作…',
    jobCompleted: '完成。',
    jobFailed: '任务失败：{error}',
    jobCancelled: '已取消，已写的部分已保存。',
    outline: '提纲',
    slotPlanned: '这里将放一张图片：正在检索…',
    articlesTitle: '我的文章',
    noArticles: '还没有文章。',
    untitled: '（无标题）',
    partial: '未完成',
    revisionN: '第 {n} 版',
    open: '打开',
    deleteArticle: '删除',
    confirmDelete: '删除《{title}》及其所有版本？',
    undo: '撤销',
    redo: '重做',
    history: '历史',
    historyTitle: '版本',
    export: '导出',
    exportHtml: 'HTML（单个文件）',
    exportZip: 'Markdown 与图片（zip）',
    exportJson: 'JSON',
    exportDocx: 'Word（.docx）',
    copyWechat: '复制到微信公众号',
    copied: '已复制：请粘贴到公众号编辑器。',
    chat: '就文章对话',
    editParagraph: '编辑第 {n} 段',
    rewrite: '改写',
    longer: '扩写',
    shorter: '缩写',
    instructionEdit: '修改要求',
    instructionEditHint: '例如：改成向读者提问',
    apply: '执行',
    insertBefore: '在前面插入',
    insertAfter: '在后面插入',
    insertOutline: '新段落写什么（一句话）',
    deleteParagraph: '删除本段',
    addPictureHere: '在此添加图片',
    addPictureCaption: '图片应表现什么（可选）',
    add: '添加',
    close: '关闭',
    accept: '接受',
    reject: '拒绝',
    reviewChange: '查看修改',
    oldText: '修改前',
    newText: '修改后',
    working: '处理中…',
    candidatesOf: '第 {n} 张配图的候选',
    score: '得分 {s}',
    tone: '色调：{t}',
    reason: '理由：{r}',
    query: '图库检索词：{q}',
    declined: '选图模型没有找到合适的图片，暂用检索得分最高的一张。',
    chosen: '已选',
    useCandidate: '使用候选 {l}',
    caption: '图片说明',
    searchAgain: '重新检索',
    removeSlot: '删除图片',
    pictureN: '图 {n}',
    noPicture: '这里没有找到图片。',
    chatTitle: '就文章对话',
    chatIncludeArticle: '附上文章',
    chatAttach: '附加图片',
    chatAttachArticle: '附加文章中的图片',
    chatMessage: '您的消息',
    send: '发送',
    stop: '停止',
    insertAsParagraph: '作为段落插入到…',
    insertAt: '段落之后',
    you: '您',
    model: '模型',
    galleryTitle: '图库',
    galleryInfo: '{images} 张图片，{failures} 张无法读取；模型 {model}',
    noGallery: '此服务器没有图库。',
    searchText: '按文字检索',
    search: '检索',
    searchByPicture: '或把图片拖到这里，查找相似的图片',
    results: '{n} 个结果',
    error: '出错了：{e}',
  },
};

function browserLanguage() {
  for (const l of navigator.languages || [navigator.language || 'en'])
    if (l.toLowerCase().startsWith('zh')) return 'zh';
    else if (l.toLowerCase().startsWith('en')) return 'en';
  return 'en';
}

let current = localStorage.getItem('lingbi.lang') || browserLanguage();
const listeners = new Set();

export function lang() {
  return current;
}

export function setLang(l) {
  current = l;
  localStorage.setItem('lingbi.lang', l);
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
  document.title = words[l].appName;
  for (const f of listeners) f(l);
}

// A date and time as the interface's language writes it.
export function when(iso) {
  return new Date(iso).toLocaleString(current === 'zh' ? 'zh-CN' : 'en');
}

// t('jobQueued', {n: 2}): the word in the interface's language, {name}s filled in.
export function t(key, params = {}) {
  const s = words[current][key] ?? words.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ''));
}

// Re-renders the component calling it when the language changes.
export function useLang() {
  const [l, set] = useState(current);
  useEffect(() => {
    listeners.add(set);
    return () => listeners.delete(set);
  }, []);
  return l;
}

setLang(current);
